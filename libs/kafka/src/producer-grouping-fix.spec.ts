import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUPING_MODULE, groupMessagesPerPartition } from './producer-grouping-fix';

const byKey = ({ message }: { message: { key: string } }) => Number(message.key.split('-')[0]);

describe("kafkajs's grouping of a send's messages into partitions, as Herald replaces it", () => {
  it('is the kafkajs version the fix was written against, whose producer requires the module by that path', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe('2.2.4');
    const sendMessages = readFileSync(join(GROUPING_MODULE, '..', 'sendMessages.js'), 'utf8');
    expect(sendMessages).toContain("require('./groupMessagesPerPartition')");
  });

  it('is what kafkajs loads once Herald is imported first (plain Node: Jest keeps its own module registry)', () => {
    // The fix compiled as tsc would, loaded into a fresh Node, then kafkajs itself.
    const script = `
      const ts = require('typescript');
      const { readFileSync } = require('node:fs');
      const Module = require('node:module');
      const file = ${JSON.stringify(join(__dirname, 'producer-grouping-fix.ts'))};
      const compiled = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, esModuleInterop: true },
      }).outputText;
      const fix = new Module(file);
      fix.filename = file;
      fix.paths = Module._nodeModulePaths(require('node:path').dirname(file));
      fix._compile(compiled, file);
      const { Kafka } = require('kafkajs');
      new Kafka({ brokers: ['127.0.0.1:1'] }).producer();
      process.stdout.write(String(require(fix.exports.GROUPING_MODULE) === fix.exports.groupMessagesPerPartition));
    `;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: __dirname,
      encoding: 'utf8',
    });
    expect(out).toBe('true');
  });

  it('groups messages by the partitioner, keeping their order within each partition', () => {
    const messages = ['0-a', '1-b', '0-c', '2-d', '1-e', '0-f'].map((key) => ({ key }));
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [{}, {}, {}],
        messages,
        partitioner: byKey,
      }),
    ).toEqual({
      0: [{ key: '0-a' }, { key: '0-c' }, { key: '0-f' }],
      1: [{ key: '1-b' }, { key: '1-e' }],
      2: [{ key: '2-d' }],
    });
  });

  it('groups nothing when the topic has no partition metadata (kafkajs then refuses the send)', () => {
    const partitioner = jest.fn(byKey);
    expect(
      groupMessagesPerPartition({
        topic: 't',
        partitionMetadata: [],
        messages: [{ key: '0' }],
        partitioner,
      }),
    ).toEqual({});
    expect(partitioner).not.toHaveBeenCalled();
  });
});
