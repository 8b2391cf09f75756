import { render } from 'preact';
import { App } from './app';
import { takeLinkToken } from './session';

// Before anything renders: the link's token leaves the address bar and the history at once.
const linkToken = takeLinkToken();
const root = document.getElementById('app');
if (root) render(<App linkToken={linkToken} />, root);
