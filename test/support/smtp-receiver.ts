import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpReply {
  code: number;
  message: string;
}

/** Answers a recipient: null accepts it; `seen` counts the RCPT TOs for that address, this one included. */
export type RecipientRule = (seen: number) => SmtpReply | null;

/** A real SMTP server on loopback that keeps every message it accepts, raw. */
export class SmtpReceiver {
  readonly messages: ReceivedMail[] = [];
  private readonly rules = new Map<string, RecipientRule>();
  private readonly seen = new Map<string, number>();

  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => callback(this.reply(address)),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        this.messages.push({
          from: from ? from.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  private port = 0;

  private constructor() {}

  static async start(): Promise<SmtpReceiver> {
    const receiver = new SmtpReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(0, '127.0.0.1', () => resolve());
    });
    // smtp-server keeps its net.Server as `server`; its address is the only way to learn the port.
    const listening = (receiver.server as unknown as { server: { address(): AddressInfo } }).server;
    receiver.port = listening.address().port;
    return receiver;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Makes the server answer RCPT TO for `address` by `rule` instead of accepting it. */
  answer(address: string, rule: RecipientRule): void {
    this.rules.set(address.toLowerCase(), rule);
  }

  private reply(address: SMTPServerAddress): Error | null {
    const key = address.address.toLowerCase();
    const seen = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, seen);
    const reply = this.rules.get(key)?.(seen) ?? null;
    return reply ? Object.assign(new Error(reply.message), { responseCode: reply.code }) : null;
  }

  /** How many times a recipient was offered to the server. */
  offered(address: string): number {
    return this.seen.get(address.toLowerCase()) ?? 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface MimePart {
  headers: string;
  content: string;
}

/** The leaf parts of a raw MIME message, each decoded from base64 or quoted-printable. */
export function mimeParts(raw: string): MimePart[] {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
  if (!boundary) return [{ headers: head, content: decode(head, body) }];
  return body
    .split(`--${boundary}`)
    .slice(1)
    .filter((part) => !part.startsWith('--'))
    .flatMap((part) => mimeParts(part.replace(/^\r?\n/, '')));
}

/** SMTP carries CRLF lines; parts are returned with LF, as the sender wrote them. */
function decode(headers: string, content: string): string {
  return decodeTransfer(headers, content).replace(/\r\n/g, '\n');
}

function decodeTransfer(headers: string, content: string): string {
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString();
  if (encoding === 'quoted-printable') {
    return Buffer.from(
      content
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  }
  return content.replace(/\r?\n$/, '');
}

/** The value of one header of a raw message, unfolded. */
export function mailHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
