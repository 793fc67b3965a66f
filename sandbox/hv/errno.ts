/** The errno values live with the ABI table; re-exported for server/codeActions.ts until it imports them from there. */
export { ERRNO } from '../lang/abi.js';
