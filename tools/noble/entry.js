// What ring.js (src/dissent/anonymous/static/anonymous/ring.js) takes from noble, and
// nothing else: esbuild bundles these exports, and whatever they import, into one ES module
// (vendor/noble.js), so the site serves it itself and needs neither a CDN nor npm at run time.

// The edwards25519 group: ed25519.Point (fromBytes, toBytes, multiply, multiplyUnsafe,
// precompute, isTorsionFree, isSmallOrder) and its scalar field ed25519.Point.Fn.
// ed25519_hasher: RFC 9380 hash_to_curve, suite edwards25519_XMD:SHA-512_ELL2_RO_.
export { ed25519, ed25519_hasher } from "@noble/curves/ed25519.js";
// Many points to affine coordinates with a single field inversion (verification encodes
// all the L_i and R_i at once).
export { normalizeZ } from "@noble/curves/abstract/curve.js";
// The hash of the construction's context and challenges.
export { sha512 } from "@noble/hashes/sha2.js";
