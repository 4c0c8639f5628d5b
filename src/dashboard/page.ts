/**
 * The dashboard's HTML: a shell the page script (`dist/assets/dashboard.js`) fills from the JSON API.
 * No inline script or style, so the Content-Security-Policy can forbid both.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>headroom dashboard</title>
<link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script type="module" src="/dashboard/dashboard.js"></script>
</head>
<body>
<noscript>The headroom dashboard needs JavaScript; <code>headroom stats</code> shows the same numbers in a terminal.</noscript>
<main id="app" aria-busy="true"><p class="loading">Loading…</p></main>
</body>
</html>
`;

/** A small mark for the browser tab, so it does not ask the proxy for `/favicon.ico` (a provider path). */
export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6f5c"/><path d="M4 12V4h2v3h4V4h2v8h-2V9H6v3z" fill="#fff"/></svg>
`;
