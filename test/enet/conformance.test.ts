// Runs every §9 conformance case on the TypeScript core (1.3.17 profile, and 1.3.18 where the row
// has a 1.3.18 answer) and on the real libenet 1.3.17 through the C driver.
import { afterAll, beforeAll, describe, test } from 'vitest';
import { libenetImplementation, typescriptImplementation } from '../support/conformance-kit.js';
import { LibenetDriver } from '../support/libenet.js';
import { describeLibenet } from '../support/libenet-vitest.js';
import {
  DISCONNECTS,
  SEQUENCING_AND_FRAGMENTS,
  THROTTLE_AND_BANDWIDTH,
  TIMING_AND_TIMEOUTS,
  WIRE_AND_HANDSHAKE,
  type ConformanceCase,
} from './conformance-cases.js';

const CASES: ConformanceCase[] = [...WIRE_AND_HANDSHAKE, ...SEQUENCING_AND_FRAGMENTS, ...TIMING_AND_TIMEOUTS, ...DISCONNECTS, ...THROTTLE_AND_BANDWIDTH];
/** Rows whose expectations state a 1.3.18 answer too. */
const ROWS_WITH_1318_ANSWER = new Set(['2', '14', '41']);

describe('§9 conformance: TypeScript core, 1.3.17 profile', () => {
  for (const conformanceCase of CASES) {
    test(`row ${conformanceCase.row}: ${conformanceCase.name}`, () => conformanceCase.run(typescriptImplementation('1.3.17')));
  }
});

describe('§9 conformance: TypeScript core, 1.3.18 profile', () => {
  for (const conformanceCase of CASES.filter((candidate) => ROWS_WITH_1318_ANSWER.has(candidate.row))) {
    test(`row ${conformanceCase.row}: ${conformanceCase.name}`, () => conformanceCase.run(typescriptImplementation('1.3.18')));
  }
});

describeLibenet('§9 conformance: libenet 1.3.17 (oracle)', (driverPath) => {
  let driver: LibenetDriver;
  beforeAll(() => {
    driver = new LibenetDriver(driverPath);
  });
  afterAll(() => driver.close());
  for (const conformanceCase of CASES.filter((candidate) => candidate.libenet)) {
    test(`row ${conformanceCase.row}: ${conformanceCase.name}`, () => conformanceCase.run(libenetImplementation(driver)));
  }
});
