/** Stylesheets are bundled by esbuild (scripts/build-ui.mjs) into app.css. */
declare module '*.css';
