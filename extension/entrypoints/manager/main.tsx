import { render } from 'preact';

render(<main>Cytoshare</main>, document.getElementById('app') as HTMLElement);
