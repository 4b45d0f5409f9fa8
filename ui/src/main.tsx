import { render } from 'preact';
import '@picocss/pico/css/pico.min.css';
import './style.css';
import { App } from './app';

// A trace named in the address (/ui/?trace=NAME) opens the fault-run viewer.
const trace = new URLSearchParams(location.search).get('trace');
if (trace && !location.hash) location.hash = `#/trace?file=${encodeURIComponent(trace)}`;

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
