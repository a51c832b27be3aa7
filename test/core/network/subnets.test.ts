import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalNetwork, parseCidr } from '../../../src/core/network/subnets';
import { TEST_LABELS, setUpEngine, tearDownEngine, uniqueName } from '../docker/fixtures';

// Bottles' networks come from a pool of /28s instead of Docker's default /16s, which run out after
// about thirty networks: many bottles with allow-lists at once must all get one.

let docker: Docker;
beforeAll(async () => {
  ({ docker } = await setUpEngine());
});
afterAll(() => tearDownEngine(docker));

describe("the bottles' network pool", () => {
  it('gives forty networks at once distinct /28s, none overlapping another network, the proxy at .2', async () => {
    const made = [];
    for (let index = 0; index < 40; index += 1) made.push(await createInternalNetwork(docker, uniqueName('pool'), TEST_LABELS));
    const subnets = new Set(made.map((network) => network.subnet));
    expect(subnets.size).toBe(40);
    for (const network of made) {
      expect(network.subnet).toMatch(/^10\.231\.\d+\.\d+\/28$/);
      const base = parseCidr(network.subnet)?.base ?? 0;
      expect(parseCidr(`${network.proxyAddress}/32`)?.base).toBe(base + 2);
    }
  });

  it('says clearly when the pool named by the setting is not usable', async () => {
    await expect(createInternalNetwork(docker, uniqueName('pool'), TEST_LABELS, { CLAUDE_BOTTLE_NETWORK_POOL: '10.0.0.0/30' })).rejects.toThrow(/at least \/28/);
  });
});
