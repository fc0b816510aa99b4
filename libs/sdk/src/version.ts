/** Kept equal to package.json by a unit test: the build's rootDir cannot reach package.json. */
export const SDK_VERSION = '0.1.0';
