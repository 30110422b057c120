// The recorder's version, written into every trace's Meta so a trace says what made it.
import pkg from '../../package.json';

export const RECORDER_VERSION: string = pkg.version;
