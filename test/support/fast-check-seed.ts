// CI runs property tests with a fixed seed so that a landing never depends on luck; local runs
// explore new random inputs each time (fast-check prints the seed of any failure, and
// FC_SEED=<seed> replays it).
import fc from 'fast-check';

const seed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261128' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
