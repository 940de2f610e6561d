import net from 'node:net';
import { freePorts } from '@app/infra';

const HOST = '127.0.0.1';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Math.random's value that makes freePorts pick `port` (its range is 20000-32767). */
function pickOf(port: number): number {
  return (port - 20_000 + 0.5) / (32_767 - 20_000 + 1);
}

/** The free ports that tests and benchmarks run Kafka, PostgreSQL, the services and monitoring on. */
describe('freePorts', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives distinct ports below the outgoing-connection range, each free to listen on', async () => {
    const ports = await freePorts(HOST, 8);
    expect(new Set(ports).size).toBe(8);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThanOrEqual(32_767);
    }
    const servers = await Promise.all(ports.map(listenOn));
    await Promise.all(servers.map(close));
  });

  it('passes over a port something listens on, and a port it already picked', async () => {
    const [taken, free] = await freePorts(HOST, 2);
    const occupant = await listenOn(taken!);
    try {
      jest
        .spyOn(Math, 'random')
        .mockReturnValueOnce(pickOf(taken!))
        .mockReturnValueOnce(pickOf(free!))
        .mockReturnValueOnce(pickOf(free!))
        .mockReturnValueOnce(pickOf(taken!)); // then Math.random itself again
      const ports = await freePorts(HOST, 2);
      expect(ports[0]).toBe(free);
      expect(ports).not.toContain(taken);
      expect(ports[1]).not.toBe(free);
    } finally {
      await close(occupant);
    }
  });

  it('gives up with the reason when it finds no free port', async () => {
    const [taken] = await freePorts(HOST, 1);
    const occupant = await listenOn(taken!);
    try {
      jest.spyOn(Math, 'random').mockReturnValue(pickOf(taken!));
      await expect(freePorts(HOST, 1)).rejects.toThrow(`no 1 free ports on ${HOST} in 20000-32767`);
    } finally {
      await close(occupant);
    }
  });
});
