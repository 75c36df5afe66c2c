/** yargs behind one module of ours, bundled into one file by the build for start-up time (see got.ts). */
export { default } from 'yargs';
export { hideBin } from 'yargs/helpers';
