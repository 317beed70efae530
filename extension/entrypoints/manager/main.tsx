import { render } from 'preact';
import { ManagerApp } from '../../ui/manager-app.tsx';
import '../../ui/styles.css';

render(<ManagerApp />, document.getElementById('app') as HTMLElement);
