// Starts the app. A file of its own, not an inline script: the Content-Security-Policy allows
// scripts from the app's origin only.
//
// One app, two bundles: the tablets' (pkg/) and, on /office paths, the whole app with the
// design office's screens (pkg-office/), which tablets never download. Without the office
// bundle (offline, not cached), the tablets' one says that the office screens need the network.
const office = /^\/office(\/|$)/.test(location.pathname);
const tablet = '/pkg/tachkhis_client.js';
const fallback = () => { window.tachkhisNoOffice = true; return import(tablet); };
(office ? import('/pkg-office/tachkhis_client.js').catch(fallback) : import(tablet))
  .then((bundle) => bundle.default());
// The service worker keeps the app shell on the tablet, so the app opens with no network.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}
