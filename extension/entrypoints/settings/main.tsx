import { render } from 'preact';
import { SettingsApp } from '../../ui/settings-app.tsx';
import '../../ui/styles.css';

render(<SettingsApp />, document.getElementById('app') as HTMLElement);
