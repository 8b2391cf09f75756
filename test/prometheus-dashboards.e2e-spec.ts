import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import {
  ApiClient,
  PrometheusServer,
  SqsQueues,
  TEST_SQS_KEYS,
  TEST_SQS_REGION,
  testConfig,
  waitFor,
  WebhookReceiver,
  appUrl,
} from '@herald/testing';
import { startHerald, type RunningHerald } from './support/herald-harness';
import { SmtpReceiver } from './support/smtp-receiver';

interface GrafanaDatasourceRef {
  type?: string;
  uid?: string;
}
interface GrafanaTarget {
  refId?: string;
  expr?: string;
  datasource?: GrafanaDatasourceRef;
}
interface GrafanaPanel {
  id?: number;
  type: string;
  title?: string;
  datasource?: GrafanaDatasourceRef;
  targets?: GrafanaTarget[];
  /** The panels of a collapsed row. */
  panels?: GrafanaPanel[];
}
interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  includeAll?: boolean;
  allValue?: string;
  /** Grafana's filter on the listed values, `/pattern/flags`. */
  regex?: string;
  datasource?: GrafanaDatasourceRef;
}
interface GrafanaDashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: GrafanaPanel[];
  templating?: { list?: GrafanaVariable[] };
}

interface PanelQuery {
  where: string;
  expr: string;
}

const DASHBOARD_DIR = join(__dirname, '..', 'deploy', 'grafana', 'dashboards');
/**
 * What Grafana would put for $__rate_interval with this suite's 1 s scrape interval (at least four
 * scrapes); deployments scrape less often and Grafana widens it to match.
 */
const RATE_WINDOW = '10s';
const GRAFANA_INTERVALS: Record<string, string> = {
  __rate_interval: RATE_WINDOW,
  __interval: '2s',
  __range: '5m',
};
const DATASOURCE_VARIABLE = '${datasource}';

const dashboards = readdirSync(DASHBOARD_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as GrafanaDashboard,
  }));

/** Every panel but rows, including those inside collapsed rows. */
function panelsOf(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return (dashboard.panels ?? []).flatMap((panel) =>
    panel.type === 'row' ? (panel.panels ?? []) : [panel],
  );
}

function variableQuery(variable: GrafanaVariable): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
}

/** `label_values(metric, label)`: the only variable query these dashboards use. */
function labelValuesOf(variable: GrafanaVariable): { selector: string; label: string } {
  const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variableQuery(variable).trim());
  if (!match) throw new Error(`variable ${variable.name}: not a label_values() query`);
  return { selector: match[1], label: match[2] };
}

/** The values a query variable lists: label_values() through the series API, then its regex. */
async function variableValues(
  prometheus: PrometheusServer,
  variable: GrafanaVariable,
): Promise<string[]> {
  const { selector, label } = labelValuesOf(variable);
  const series = await prometheus.series(selector);
  const found = [...new Set(series.flatMap((one) => (one[label] ? [one[label]] : [])))];
  const filter = /^\/(.*)\/(\w*)$/.exec(variable.regex ?? '');
  return filter ? found.filter((value) => new RegExp(filter[1], filter[2]).test(value)) : found;
}

/** A variable reference in any of Grafana's syntaxes: `${name}`, `${name:format}`, `[[name]]`, `$name`. */
const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g;

function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(VARIABLE_REFERENCE, (reference, ...names: (string | undefined)[]) => {
    const name = names.slice(0, 3).find((candidate) => candidate !== undefined) ?? '';
    const value = GRAFANA_INTERVALS[name] ?? values[name];
    if (value === undefined) throw new Error(`unknown variable ${reference} in ${expr}`);
    return value;
  });
}

/** Escapes a label value for a regex matcher, as Grafana's Prometheus datasource does for "All". */
function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

describe('Grafana dashboards: every panel query returns data from a Prometheus scraping Herald', () => {
  describe('structure', () => {
    it('has dashboards, each with a unique uid, schema 39 and a Prometheus datasource variable', () => {
      expect(dashboards.map(({ file }) => file)).toEqual(
        expect.arrayContaining([
          'herald-delivery.json',
          'herald-pipeline.json',
          'herald-services.json',
        ]),
      );
      const uids = dashboards.map(({ dashboard }) => dashboard.uid);
      expect(uids.every((uid) => typeof uid === 'string' && /^[\w-]{1,40}$/.test(uid))).toBe(true);
      expect(new Set(uids).size).toBe(uids.length);
      for (const { file, dashboard } of dashboards) {
        expect({ file, schemaVersion: dashboard.schemaVersion }).toEqual({
          file,
          schemaVersion: 39,
        });
        expect({ file, datasource: dashboard.templating?.list?.[0] }).toMatchObject({
          file,
          datasource: { name: 'datasource', type: 'datasource', query: 'prometheus' },
        });
      }
    });

    it('gives every panel a unique id, a title and targets on the datasource variable, never a fixed datasource uid', () => {
      const problems: string[] = [];
      for (const { file, dashboard } of dashboards) {
        for (const panel of panelsOf(dashboard)) {
          const where = `${file} › ${panel.title ?? `panel ${panel.id}`}`;
          if (!panel.title) problems.push(`${where}: no title`);
          const targets = panel.targets ?? [];
          if (targets.length === 0) problems.push(`${where}: no targets`);
          if (panel.datasource?.uid !== DATASOURCE_VARIABLE)
            problems.push(`${where}: datasource ${JSON.stringify(panel.datasource)}`);
          for (const target of targets) {
            if (!target.expr?.trim()) problems.push(`${where} › ${target.refId}: no expr`);
            if (target.datasource && target.datasource.uid !== DATASOURCE_VARIABLE)
              problems.push(`${where} › ${target.refId}: datasource ${target.datasource.uid}`);
          }
        }
        const ids = (dashboard.panels ?? []).flatMap((panel) => [
          panel.id,
          ...(panel.panels ?? []).map((nested) => nested.id),
        ]);
        if (new Set(ids).size !== ids.length || ids.some((id) => typeof id !== 'number'))
          problems.push(`${file}: panel ids not unique numbers: ${ids.join(', ')}`);
        for (const variable of dashboard.templating?.list ?? []) {
          if (variable.type === 'query' && variable.datasource?.uid !== DATASOURCE_VARIABLE)
            problems.push(`${file} › variable ${variable.name}: fixed datasource`);
        }
      }
      expect(problems).toEqual([]);
      expect(dashboards.flatMap(({ dashboard }) => panelsOf(dashboard)).length).toBeGreaterThan(0);
    });

    it('uses template variables only inside regex matchers, so "All" and multi-value selections work', () => {
      const problems: string[] = [];
      for (const { file, dashboard } of dashboards) {
        const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
        for (const panel of panelsOf(dashboard)) {
          for (const target of panel.targets ?? []) {
            const expr = target.expr ?? '';
            for (const reference of expr.matchAll(VARIABLE_REFERENCE)) {
              const name = reference[1] ?? reference[2] ?? reference[3];
              if (name in GRAFANA_INTERVALS) continue;
              const before = expr.slice(0, reference.index);
              if (!defined.has(name)) problems.push(`${file} › ${panel.title}: $${name} undefined`);
              else if (!/=~"[^"]*$/.test(before))
                problems.push(`${file} › ${panel.title}: $${name} outside a =~ matcher`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('against Herald', () => {
    let herald: RunningHerald;
    let prometheus: PrometheusServer;
    let receiver: WebhookReceiver;
    let smtp: SmtpReceiver;
    let queues: SqsQueues;
    let queueUrl: string;
    let tenant: { tenantId: string; client: ApiClient };
    const producer = new Kafka({
      clientId: 'dashboards-e2e-producer',
      brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      logLevel: logLevel.NOTHING,
    }).producer();
    let flowing = false;
    let traffic: Promise<void> = Promise.resolve();
    let trafficError: unknown = null;

    // Long enough for scripts/ensure-prometheus.sh to install Prometheus on a machine without it.
    beforeAll(async () => {
      smtp = await SmtpReceiver.start();
      receiver = await WebhookReceiver.start();
      queues = new SqsQueues();
      herald = await startHerald(testConfig({ HERALD_SMTP_URL: smtp.url }));
      const targets = herald.apps.map((app) => new URL(appUrl(app)).host);
      // Every series carries its own `service` label, so one job covers the three services.
      prometheus = await PrometheusServer.start({ jobs: [{ job: 'herald', targets }] });
      await producer.connect();
    }, 240_000);

    afterAll(async () => {
      flowing = false;
      await traffic;
      // Every step runs even when one before it fails, or a server would outlive the suite.
      const steps = [
        () => producer.disconnect(),
        () => prometheus?.stop(),
        () => herald?.stop(),
        () => (queueUrl ? queues.delete(queueUrl) : undefined),
        () => queues?.close(),
        () => receiver?.stop(),
        () => smtp?.stop(),
      ];
      const failures: unknown[] = [];
      for (const step of steps)
        await Promise.resolve()
          .then(step)
          .catch((e) => failures.push(e));
      if (failures.length > 0) throw failures[0];
    });

    /** One tenant whose every event fans out to each destination type and each kind of endpoint. */
    async function subscribeEverywhere(): Promise<void> {
      const operator = new ApiClient(herald.apiUrl, herald.config.auth.adminToken);
      tenant = await operator.createTenant('dashboards');
      const queue = await queues.create('dashboards');
      queueUrl = queue.url;
      const destinations = [
        { type: 'webhook', url: `${receiver.url}/ok` },
        { type: 'webhook', url: `${receiver.url}/flaky` },
        { type: 'webhook', url: `${receiver.url}/down` },
        { type: 'email', to: ['ops@dashboards.test'] },
        {
          type: 'sqs',
          region: TEST_SQS_REGION,
          queue_url: queue.url,
          access_key_id: TEST_SQS_KEYS.accessKeyId,
          secret_access_key: TEST_SQS_KEYS.secretAccessKey,
          endpoint_url: queues.endpoint,
        },
      ];
      for (const destination of destinations) {
        const created = await tenant.client.request('POST', '/v1/subscriptions', {
          event_types: ['meter.*'],
          destination,
        });
        expect(created.status).toBe(201);
      }
      // /flaky fails each delivery's first attempt (a retry, then a later success); /down never
      // answers 2xx, so its deliveries climb the retry ladder into the DLQ.
      const seenAtFlaky = new Set<string>();
      receiver.respondWith((request) => {
        if (request.path === '/down') return { status: 503, body: 'down' };
        if (request.path === '/flaky') {
          const id = String(request.headers['webhook-id']);
          if (!seenAtFlaky.has(id)) {
            seenAtFlaky.add(id);
            return { status: 500, body: 'flaky' };
          }
        }
        return { status: 200, body: 'ok' };
      });
    }

    /** Good events on both ingest paths, plus a refused one on each, until told to stop. */
    async function keepEventsFlowing(): Promise<void> {
      for (let round = 0; flowing; round += 1) {
        const accepted = await tenant.client.request('POST', '/v1/events', {
          type: 'meter.read',
          data: { meter_id: `m-${round}`, reading: round },
        });
        if (accepted.status !== 202)
          throw new Error(`POST /v1/events answered ${accepted.status}, not 202`);
        const refused = await tenant.client.request('POST', '/v1/events', { data: {} });
        if (refused.status !== 422)
          throw new Error(`an event without a type got ${refused.status}, not 422`);
        await producer.send({
          topic: 'herald.events.inbound',
          messages: [
            {
              key: tenant.tenantId,
              value: JSON.stringify({
                id: `evt-dash-${randomUUID()}`,
                tenant_id: tenant.tenantId,
                type: 'meter.created',
                data: { meter_id: `k-${round}` },
              }),
            },
            { key: tenant.tenantId, value: `{"tenant_id": "${tenant.tenantId}", "type": ` },
          ],
        });
        await pause(400);
      }
    }

    it('scrapes all three services and every panel query returns data', async () => {
      const targets = await prometheus.waitForTargetsUp();
      expect(targets).toHaveLength(3);
      const services = await waitFor('the service label of every target', async () => {
        const found = await prometheus.samples('count by (service) (nodejs_eventloop_lag_seconds)');
        return found.length === 3 && found.map((sample) => sample.metric.service);
      });
      expect(services.sort()).toEqual(['deliverer', 'event-ingest', 'subscription-api']);

      await subscribeEverywhere();
      flowing = true;
      traffic = keepEventsFlowing().catch((error: unknown) => {
        trafficError = error;
      });

      const queries: PanelQuery[] = [];
      const listedValues: Record<string, string[]> = {};
      for (const { dashboard } of dashboards) {
        const values: Record<string, string> = {};
        for (const variable of dashboard.templating?.list ?? []) {
          if (variable.type !== 'query') continue;
          const listed = await waitFor(`values for $${variable.name}`, async () => {
            const found = await variableValues(prometheus, variable);
            return found.length > 0 && found;
          });
          listedValues[variable.name] = listed;
          // As Grafana does for "All": the custom all value, else every listed value.
          values[variable.name] = variable.allValue ?? `(${listed.map(regexEscape).join('|')})`;
        }
        for (const panel of panelsOf(dashboard)) {
          for (const target of panel.targets ?? []) {
            queries.push({
              where: `${dashboard.title} › ${panel.title} › ${target.refId}`,
              expr: substitute(target.expr ?? '', values),
            });
          }
        }
      }

      expect(listedValues.service?.sort()).toEqual([
        'deliverer',
        'event-ingest',
        'subscription-api',
      ]);

      // A query counts once it has returned a finite number: rate() needs two scrapes of a series,
      // and a quantile needs observations inside the window, so the answers fill in over seconds.
      const pending = new Map(queries.map((query) => [query.where, query]));
      const lastAnswer = new Map<string, string>();
      await waitFor(
        'every panel query to return data',
        async () => {
          for (const query of pending.values()) {
            try {
              const numbers = (await prometheus.samples(query.expr)).map((sample) => sample.value);
              if (numbers.some((value) => Number.isFinite(value))) pending.delete(query.where);
              else
                lastAnswer.set(
                  query.where,
                  numbers.length === 0 ? 'empty' : `only ${numbers.join(', ')}`,
                );
            } catch (error) {
              lastAnswer.set(query.where, error instanceof Error ? error.message : String(error));
            }
          }
          return pending.size === 0 || trafficError !== null;
        },
        75_000,
        1000,
      ).catch(() => undefined);
      flowing = false;
      await traffic;

      expect(trafficError).toBeNull();
      expect(
        [...pending.values()].map(
          (query) => `${query.where}: ${lastAnswer.get(query.where)} from ${query.expr}`,
        ),
      ).toEqual([]);
      // Not merely present: the traffic above shows up, labelled as the metrics contract says.
      const labelValues = async (expr: string, label: string): Promise<string[]> =>
        (await prometheus.samples(expr)).map((sample) => sample.metric[label]).sort();
      expect(
        await labelValues(
          'sum by (destination_type) (herald_deliveries_total{outcome="delivered"})',
          'destination_type',
        ),
      ).toEqual(['email', 'sqs', 'webhook']);
      expect(await labelValues('sum by (delay) (herald_retries_scheduled_total)', 'delay')).toEqual(
        ['1s', '2s'],
      );
      expect(
        await labelValues(
          'sum by (transport) (herald_events_total{outcome="rejected"})',
          'transport',
        ),
      ).toEqual(['http', 'kafka']);
      expect(await labelValues('sum by (group) (herald_consumer_lag)', 'group')).toEqual([
        'herald.deliverer',
        'herald.event-ingest',
      ]);
      // Every consuming service reports how long its oldest due message has waited, per topic.
      expect(
        await labelValues('max by (group) (herald_consumer_oldest_due_seconds)', 'group'),
      ).toEqual(expect.arrayContaining(['herald.deliverer', 'herald.event-ingest']));
      // /down's deliveries reached the DLQ (the dead-lettered rate panel had data), so the API's
      // gauge must count them once its cached reading expires.
      await waitFor(
        'herald_dead_letters_pending to count the dead letters',
        async () => {
          const [pendingNow] = await prometheus.samples('max(herald_dead_letters_pending)');
          return pendingNow?.value > 0;
        },
        40_000,
        500,
      );
    });
  });
});
