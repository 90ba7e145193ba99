import { render } from 'preact';
import { App } from './ui/app';
import './styles.css';

render(<App />, document.getElementById('app')!);
performance.mark('yano-rendered');

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    /* the app works without it, only not offline */
  });
}
