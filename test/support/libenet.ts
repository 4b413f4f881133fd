// The libenet driver is part of the product (src/native); tests import it from here.
export * from '../../src/native/libenet.js';
