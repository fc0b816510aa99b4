import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TcpLink } from './tcp-link';

/** Connects to the port, sends `text` and resolves with what comes back before the server closes, or the error. */
async function exchange(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(text);
  let received = '';
  for await (const chunk of socket) received += String(chunk);
  return received;
}

describe('TcpLink', () => {
  let echo: Server;
  let link: TcpLink;

  beforeAll(async () => {
    // Answers each connection with what it received, once its client has said all.
    echo = createServer((socket) => {
      let text = '';
      socket.on('data', (chunk) => (text += String(chunk)));
      socket.on('end', () => socket.end(`echo: ${text}`));
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    link = await TcpLink.open(`tcp://127.0.0.1:${(echo.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await link.cut();
    echo.close();
  });

  it('relays both ways, names itself in the target URL, and is cut and restored on the same port', async () => {
    expect(link.url).toBe(`tcp://127.0.0.1:${link.port}`);
    expect(await exchange(link.port, 'hello')).toBe('echo: hello');

    const open = connect(link.port, '127.0.0.1');
    await once(open, 'connect');
    const closed = once(open, 'close');
    await link.cut();
    expect(link.isCut).toBe(true);
    // The connection through the link is closed, and a new one refused, while the target still answers directly.
    await closed;
    await expect(exchange(link.port, 'lost')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await exchange((echo.address() as AddressInfo).port, 'direct')).toBe('echo: direct');

    await link.restore();
    expect(await exchange(link.port, 'again')).toBe('echo: again');
  });

  it('keeps a connection half open: a client that has said all still gets its answer, then both sides close', async () => {
    const through: Socket = connect(link.port, '127.0.0.1');
    await once(through, 'connect');
    through.end('bye');
    let received = '';
    for await (const chunk of through) received += String(chunk);
    expect(received).toBe('echo: bye');
    expect(through.destroyed).toBe(true);
  });
});
