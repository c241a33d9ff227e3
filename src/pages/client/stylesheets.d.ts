/** Stylesheets imported by page scripts: esbuild bundles them beside the script (console.css). */
declare module '*.css';
