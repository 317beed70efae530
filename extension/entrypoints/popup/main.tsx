import { render } from 'preact';
import { PopupApp } from '../../ui/popup-app.tsx';
import '../../ui/styles.css';

render(<PopupApp />, document.getElementById('app') as HTMLElement);
