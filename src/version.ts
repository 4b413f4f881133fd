/** The enetsim version, kept equal to package.json's (a test checks it). */
export const VERSION = '0.1.0';
