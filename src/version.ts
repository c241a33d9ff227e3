/** The gate's version, as package.json says: in /healthz and the OpenAPI document. */
import packageJson from '../package.json';

export const HEARTH_VERSION: string = packageJson.version;
