import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse, parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');
const chart = join(root, 'helm', 'herald');
const ROLES = ['subscription-api', 'event-ingest', 'deliverer'] as const;
const VALUES = {
  defaults: [] as string[],
  allOn: [join(chart, 'ci', 'all-on-values.yaml')],
  chartSecret: [join(chart, 'ci', 'chart-secret-values.yaml')],
  securedConnections: [join(chart, 'ci', 'secured-connections-values.yaml')],
};

interface Tools {
  helm: string;
  kubeconform: string;
  kubeVersion: string;
  schemaLocations: string[];
  composeSchema: string;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  data?: Record<string, string>;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input?: string): Run {
  const result = spawnSync(command, args, {
    cwd: root,
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Builds (or finds cached) helm, kubeconform and the offline schemas; reads what tools.sh wrote. */
function prepareTools(): Tools {
  const toolsDir = process.env.HERALD_TOOLS_DIR ?? join(root, '.cache', 'tools');
  execFileSync('bash', [join(root, 'scripts', 'tools.sh')], { cwd: root, stdio: 'inherit' });
  const env = Object.fromEntries(
    readFileSync(join(toolsDir, 'tools.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1).replace(/^'(.*)'$/, '$1')];
      }),
  );
  return {
    helm: env.HELM,
    kubeconform: env.KUBECONFORM,
    kubeVersion: env.KUBERNETES_VERSION,
    schemaLocations: [env.SCHEMA_LOCATION_BUILTIN, env.SCHEMA_LOCATION_CRDS],
    composeSchema: env.COMPOSE_SCHEMA,
  };
}

function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`rendered YAML is invalid: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** The value at a dotted path (`spec.template.spec`, `spec.ports.0`); kubeconform checks shapes. */
function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined,
      value,
    );
}

function setAt(value: unknown, path: string, replacement: unknown): void {
  const keys = path.split('.');
  const parent = at(value, keys.slice(0, -1).join('.'));
  if (parent === null || typeof parent !== 'object') throw new Error(`nothing at ${path}`);
  (parent as Record<string, unknown>)[keys[keys.length - 1]] = replacement;
}

const ofKind = (manifests: Manifest[], kind: string): Manifest[] =>
  manifests.filter((manifest) => manifest.kind === kind);

function named(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} among ${manifests.map((m) => m.kind).join(', ')}`);
  return found;
}

interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  securityContext: Record<string, unknown>;
  startupProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

const containerOf = (manifest: Manifest): Container =>
  (at(manifest, 'spec.template.spec.containers') as Container[])[0];

const dashboardFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();

describe('Helm chart helm/herald', () => {
  let tools: Tools;

  const helmTemplate = (valuesFiles: string[], extra: string[] = []): Run =>
    run(tools.helm, [
      'template',
      'herald',
      chart,
      '--namespace',
      'herald',
      '--kube-version',
      tools.kubeVersion,
      ...valuesFiles.flatMap((file) => ['-f', file]),
      ...extra,
    ]);

  function render(
    valuesFiles: string[],
    extra: string[] = [],
  ): { text: string; manifests: Manifest[] } {
    const result = helmTemplate(valuesFiles, extra);
    if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
    return { text: result.stdout, manifests: parseManifests(result.stdout) };
  }

  interface KubeconformReport {
    resources: { kind: string; name: string; status: string; msg: string }[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  }

  function kubeconform(manifestsText: string): KubeconformReport {
    const result = run(
      tools.kubeconform,
      [
        '-strict',
        '-summary',
        '-verbose',
        '-output',
        'json',
        '-kubernetes-version',
        tools.kubeVersion,
        ...tools.schemaLocations.flatMap((location) => ['-schema-location', location]),
        '-',
      ],
      manifestsText,
    );
    return JSON.parse(result.stdout) as KubeconformReport;
  }

  function expectAllValid(text: string, manifests: Manifest[]): void {
    const report = kubeconform(text);
    const notValid = report.resources.filter((resource) => resource.status !== 'statusValid');
    expect(notValid).toEqual([]);
    expect(report.summary).toEqual({
      valid: manifests.length,
      invalid: 0,
      errors: 0,
      skipped: 0,
    });
  }

  beforeAll(() => {
    tools = prepareTools();
  }, 20 * 60_000);

  describe('helm lint --strict', () => {
    it.each(Object.entries(VALUES))('passes with the %s values', (_, valuesFiles) => {
      const result = run(tools.helm, [
        'lint',
        '--strict',
        chart,
        '--kube-version',
        tools.kubeVersion,
        ...valuesFiles.flatMap((file) => ['-f', file]),
      ]);
      expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.status).toBe(0);
    });
  });

  describe('rendered manifests are valid Kubernetes objects (kubeconform -strict, offline schemas)', () => {
    it.each(Object.entries(VALUES))(
      '%s values: every object validated, none skipped',
      (_, files) => {
        const { text, manifests } = render(files);
        expect(manifests.length).toBeGreaterThan(10);
        expectAllValid(text, manifests);
      },
    );

    it('the schemas do reject a broken Deployment and a broken ServiceMonitor', () => {
      const { manifests } = render(VALUES.allOn);
      const deployment = structuredClone(named(manifests, 'Deployment', 'herald-event-ingest'));
      setAt(deployment, 'spec.replicas', 'two');
      setAt(deployment, 'spec.template.spec.containers.0.imagePullPolicyy', 'Always');
      setAt(deployment, 'spec.template.spec.containers.0.resources.limits.memory', 'lots');
      const monitor = structuredClone(named(manifests, 'ServiceMonitor', 'herald'));
      setAt(monitor, 'spec.endpoints.0.intervall', '30s');
      const report = kubeconform(
        [deployment, monitor].map((m) => JSON.stringify(m)).join('\n---\n'),
      );
      expect(report.summary).toEqual({ valid: 0, invalid: 2, errors: 0, skipped: 0 });
      const messages = report.resources.map((resource) => resource.msg).join('\n');
      expect(messages).toContain("at '/spec/replicas': got string, want integer");
      expect(messages).toContain("additional properties 'imagePullPolicyy' not allowed");
      expect(messages).toContain("'lots' does not match pattern");
      expect(messages).toContain("additional properties 'intervall' not allowed");
    });
  });

  describe('default values', () => {
    let manifests: Manifest[];
    beforeAll(() => {
      manifests = render(VALUES.defaults).manifests;
    });

    it('one Deployment per service, each running its role from the one image as user 10001', () => {
      expect(
        ofKind(manifests, 'Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual(ROLES.map((role) => `herald-${role}`).sort());
      for (const role of ROLES) {
        const deployment = named(manifests, 'Deployment', `herald-${role}`);
        const pod = at(deployment, 'spec.template.spec');
        const container = containerOf(deployment);
        expect(at(deployment, 'spec.replicas')).toBe(2);
        expect(deployment.metadata.labels?.['app.kubernetes.io/component']).toBe(role);
        expect(container.args).toEqual([role]);
        expect(at(pod, 'terminationGracePeriodSeconds')).toBe(30);
        expect(at(pod, 'automountServiceAccountToken')).toBe(false);
        expect(at(pod, 'securityContext')).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(container.securityContext).toEqual({
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
        expect(at(pod, 'volumes')).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
        expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]))).toEqual(
          role === 'subscription-api'
            ? { http: 8080, grpc: 50051, metrics: 9464 }
            : { http: 8080, metrics: 9464 },
        );
      }
    });

    it('one Service per service: http 8080, metrics 9464, gRPC 50051 on the API only', () => {
      expect(ofKind(manifests, 'Service')).toHaveLength(3);
      for (const role of ROLES) {
        const service = named(manifests, 'Service', `herald-${role}`);
        const ports = Object.fromEntries(
          (at(service, 'spec.ports') as { name: string; port: number }[]).map((p) => [
            p.name,
            p.port,
          ]),
        );
        expect(ports).toEqual(
          role === 'subscription-api'
            ? { http: 8080, grpc: 50051, metrics: 9464 }
            : { http: 8080, metrics: 9464 },
        );
        expect(at(service, 'spec.selector')).toMatchObject({ 'app.kubernetes.io/component': role });
      }
    });

    it('settings in a ConfigMap, secrets from the existing Secret named in values (the chart makes none)', () => {
      const settings = named(manifests, 'ConfigMap', 'herald-settings');
      expect(settings.data).toMatchObject({
        KAFKA_BROKERS: 'kafka:9092',
        HERALD_HTTP_PORT: '8080',
        HERALD_GRPC_PORT: '50051',
        HERALD_METRICS_PORT: '9464',
        HERALD_TOPIC_PARTITIONS: '12',
        HERALD_FETCH_LINGER_MS: '25',
      });
      expect(ofKind(manifests, 'Secret')).toEqual([]);
      const env = containerOf(named(manifests, 'Deployment', 'herald-deliverer')).env;
      const fromSecret = Object.fromEntries(
        env.map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]),
      );
      expect(fromSecret).toMatchObject({
        DATABASE_URL: 'herald-secrets',
        HERALD_ENCRYPTION_KEY: 'herald-secrets',
        HERALD_ADMIN_TOKEN: 'herald-secrets',
        HERALD_SMTP_URL: 'herald-secrets',
      });
    });

    it('the migrations Job is a pre-install/pre-upgrade hook reading the existing Secret', () => {
      const job = named(manifests, 'Job', 'herald-migrations');
      expect(job.metadata.annotations).toMatchObject({
        'helm.sh/hook': 'pre-install,pre-upgrade',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      });
      expect(job.metadata.annotations?.['helm.sh/hook-weight']).toMatch(/^-?\d+$/);
      const container = containerOf(job);
      expect(container.args).toEqual(['migrate']);
      expect(container.env.find((e) => e.name === 'DATABASE_URL')?.valueFrom).toEqual({
        secretKeyRef: { name: 'herald-secrets', key: 'DATABASE_URL' },
      });
      // On a first install the release's ServiceAccount does not exist yet when the hook runs.
      expect(at(job, 'spec.template.spec.serviceAccountName')).toBeUndefined();
    });

    it('a dashboard ConfigMap labelled grafana_dashboard: "1" per JSON file, content byte for byte', () => {
      const files = dashboardFiles(join(chart, 'dashboards'));
      expect(files.length).toBeGreaterThan(0);
      const dashboards = ofKind(manifests, 'ConfigMap').filter(
        (cm) => cm.metadata.labels?.grafana_dashboard === '1',
      );
      expect(dashboards).toHaveLength(files.length);
      for (const file of files) {
        const configMap = dashboards.find((cm) => cm.data?.[file] !== undefined);
        expect(configMap?.data?.[file]).toBe(readFileSync(join(chart, 'dashboards', file), 'utf8'));
      }
    });

    it('optional objects are off by default', () => {
      for (const kind of [
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Ingress',
        'ServiceMonitor',
        'NetworkPolicy',
      ])
        expect(ofKind(manifests, kind)).toEqual([]);
    });
  });

  describe('all-on values', () => {
    let manifests: Manifest[];
    beforeAll(() => {
      manifests = render(VALUES.allOn).manifests;
    });

    it('HPAs (autoscaling/v2) take over replicas where enabled; PDBs (policy/v1) for every service', () => {
      const hpas = ofKind(manifests, 'HorizontalPodAutoscaler');
      expect(hpas.map((h) => h.metadata.name).sort()).toEqual([
        'herald-event-ingest',
        'herald-subscription-api',
      ]);
      expect(hpas.every((h) => h.apiVersion === 'autoscaling/v2')).toBe(true);
      expect(
        at(named(manifests, 'HorizontalPodAutoscaler', 'herald-subscription-api'), 'spec'),
      ).toMatchObject({
        scaleTargetRef: { kind: 'Deployment', name: 'herald-subscription-api' },
        minReplicas: 2,
        maxReplicas: 8,
      });
      // A consuming service may scale on its consumer group's lag (an External metric), besides CPU.
      expect(
        at(named(manifests, 'HorizontalPodAutoscaler', 'herald-event-ingest'), 'spec.metrics'),
      ).toEqual(
        expect.arrayContaining([
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } },
          },
          {
            type: 'External',
            external: {
              metric: {
                name: 'herald_consumer_lag',
                selector: { matchLabels: { group: 'herald.event-ingest' } },
              },
              target: { type: 'AverageValue', averageValue: '5000' },
            },
          },
        ]),
      );
      expect(
        at(named(manifests, 'Deployment', 'herald-event-ingest'), 'spec.replicas'),
      ).toBeUndefined();
      expect(at(named(manifests, 'Deployment', 'herald-deliverer'), 'spec.replicas')).toBe(6);
      const pdbs = ofKind(manifests, 'PodDisruptionBudget');
      expect(pdbs).toHaveLength(3);
      expect(pdbs.every((p) => p.apiVersion === 'policy/v1')).toBe(true);
      expect(
        at(named(manifests, 'PodDisruptionBudget', 'herald-subscription-api'), 'spec.minAvailable'),
      ).toBe(1);
      expect(
        at(named(manifests, 'PodDisruptionBudget', 'herald-event-ingest'), 'spec.maxUnavailable'),
      ).toBe('50%');
    });

    it('an Ingress to the API with the configured paths and TLS', () => {
      const ingress = named(manifests, 'Ingress', 'herald-api');
      expect(at(ingress, 'spec.tls')).toEqual([
        { secretName: 'herald-tls', hosts: ['herald.example.com', 'hooks.example.com'] },
      ]);
      const rules = at(ingress, 'spec.rules') as {
        host: string;
        http: { paths: { path: string; pathType: string; backend: unknown }[] };
      }[];
      expect(rules.map((rule) => rule.host)).toEqual(['herald.example.com', 'hooks.example.com']);
      for (const rule of rules)
        expect(rule.http.paths).toEqual([
          {
            path: '/v1',
            pathType: 'Prefix',
            backend: { service: { name: 'herald-subscription-api', port: { name: 'http' } } },
          },
          {
            path: '/openapi.json',
            pathType: 'Exact',
            backend: { service: { name: 'herald-subscription-api', port: { name: 'http' } } },
          },
        ]);
    });

    it('a ServiceMonitor scraping every metrics port, keeping the series own service label', () => {
      const monitor = named(manifests, 'ServiceMonitor', 'herald');
      expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
      expect(at(monitor, 'spec.endpoints')).toEqual([
        {
          port: 'metrics',
          path: '/metrics',
          interval: '15s',
          scrapeTimeout: '5s',
          honorLabels: true,
        },
      ]);
      expect(at(monitor, 'spec.namespaceSelector')).toEqual({ matchNames: ['herald'] });
    });

    it('NetworkPolicies: API ports from the configured peers, metrics from the monitoring namespace', () => {
      const policies = ofKind(manifests, 'NetworkPolicy');
      expect(policies).toHaveLength(3);
      const api = named(manifests, 'NetworkPolicy', 'herald-subscription-api');
      expect(at(api, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
      expect(at(api, 'spec.ingress.0.ports')).toEqual([
        { port: 'http', protocol: 'TCP' },
        { port: 'grpc', protocol: 'TCP' },
      ]);
      expect(at(api, 'spec.ingress.0.from')).toHaveLength(2);
      const ingest = named(manifests, 'NetworkPolicy', 'herald-event-ingest');
      expect(at(ingest, 'spec.ingress')).toEqual([
        {
          ports: [{ port: 'metrics', protocol: 'TCP' }],
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
          ],
        },
      ]);
      expect(at(ingest, 'spec.egress.0')).toEqual({
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      });
      expect(at(ingest, 'spec.egress')).toHaveLength(3);
    });

    it('the chart-made Secret and the hook Secret the migrations Job reads before it exists', () => {
      const secret = named(manifests, 'Secret', 'herald-secrets');
      expect(Object.keys(secret.data ?? {}).sort()).toEqual([
        'DATABASE_PASSWORD',
        'HERALD_ADMIN_TOKEN',
        'HERALD_ENCRYPTION_KEY',
        'HERALD_SMTP_URL',
      ]);
      expect(Buffer.from(secret.data?.DATABASE_PASSWORD ?? '', 'base64').toString()).toBe(
        'p@ss:w/rd?',
      );
      const hookSecret = named(manifests, 'Secret', 'herald-migrations');
      const job = named(manifests, 'Job', 'herald-migrations');
      expect(hookSecret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(Number(hookSecret.metadata.annotations?.['helm.sh/hook-weight'])).toBeLessThan(
        Number(job.metadata.annotations?.['helm.sh/hook-weight']),
      );
      expect(Object.keys(hookSecret.data ?? {})).toEqual(['DATABASE_PASSWORD']);
      const env = containerOf(job).env;
      expect(env.find((e) => e.name === 'DATABASE_URL')?.value).toBe(
        'postgres://herald@postgres.databases.svc.cluster.local:5432/herald?sslmode=require',
      );
      expect(env.find((e) => e.name === 'PGPASSWORD')?.valueFrom).toEqual({
        secretKeyRef: { name: 'herald-migrations', key: 'DATABASE_PASSWORD' },
      });
    });

    it('per-service scheduling, env, annotations and image by digest', () => {
      const api = named(manifests, 'Deployment', 'herald-subscription-api');
      const pod = at(api, 'spec.template.spec');
      expect(containerOf(api)).toMatchObject({
        image:
          'registry.example.com/herald/herald@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      });
      expect(at(pod, 'nodeSelector')).toEqual({ 'kubernetes.io/os': 'linux' });
      expect(at(pod, 'tolerations')).toHaveLength(1);
      expect(at(pod, 'affinity.podAntiAffinity')).toBeDefined();
      expect(at(pod, 'priorityClassName')).toBe('herald-critical');
      expect(at(pod, 'terminationGracePeriodSeconds')).toBe(45);
      expect(at(api, 'spec.template.metadata.annotations')).toMatchObject({
        'example.com/scrape': 'false',
      });
      expect(containerOf(api).env.map((e) => e.name)).toEqual(
        expect.arrayContaining(['NODE_OPTIONS', 'POD_NAME', 'PGPASSWORD']),
      );
      const dashboards = ofKind(manifests, 'ConfigMap').filter(
        (cm) => cm.metadata.labels?.grafana_dashboard === '1',
      );
      expect(dashboards.every((cm) => cm.metadata.namespace === 'monitoring')).toBe(true);
    });
  });

  describe('secured connections: Kafka over SASL_SSL with mutual TLS, PostgreSQL with verify-full', () => {
    let manifests: Manifest[];
    beforeAll(() => {
      manifests = render(VALUES.securedConnections).manifests;
    });

    it('the settings name the mounted files; no secret is in the ConfigMap', () => {
      const settings = named(manifests, 'ConfigMap', 'herald-settings');
      expect(settings.data).toMatchObject({
        KAFKA_BROKERS: 'events-kafka-bootstrap.kafka:9093',
        HERALD_KAFKA_TLS: 'true',
        HERALD_KAFKA_TLS_CA_FILE: '/etc/herald/credentials/kafka-ca.crt',
        HERALD_KAFKA_TLS_CERT_FILE: '/etc/herald/credentials/kafka-client.crt',
        HERALD_KAFKA_TLS_KEY_FILE: '/etc/herald/credentials/kafka-client.key',
        HERALD_KAFKA_TLS_SERVERNAME: 'events-kafka-bootstrap.kafka.svc',
        HERALD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        HERALD_KAFKA_SASL_USERNAME: 'herald',
        HERALD_KAFKA_SASL_PASSWORD_FILE: '/etc/herald/credentials/kafka-sasl-password',
        HERALD_DATABASE_CA_FILE: '/etc/herald/credentials/database-ca.crt',
      });
      expect(settings.data?.HERALD_KAFKA_SASL_PASSWORD).toBeUndefined();
    });

    const credentials = (manifest: Manifest): unknown =>
      (at(manifest, 'spec.template.spec.volumes') as { name: string }[]).find(
        (volume) => volume.name === 'credentials',
      );
    const secretItem = (name: string, key: string, path: string): unknown => ({
      secret: { name, items: [{ key, path }] },
    });

    it('every service mounts the CA, the client certificate and key and the password from their Secrets, read-only', () => {
      for (const role of ROLES) {
        const deployment = named(manifests, 'Deployment', `herald-${role}`);
        expect(containerOf(deployment).volumeMounts).toContainEqual({
          name: 'credentials',
          mountPath: '/etc/herald/credentials',
          readOnly: true,
        });
        expect(credentials(deployment)).toEqual({
          name: 'credentials',
          projected: {
            defaultMode: 0o440,
            sources: [
              secretItem('events-cluster-ca-cert', 'ca.crt', 'kafka-ca.crt'),
              {
                secret: {
                  name: 'herald-kafka-user',
                  items: [
                    { key: 'user.crt', path: 'kafka-client.crt' },
                    { key: 'user.key', path: 'kafka-client.key' },
                  ],
                },
              },
              secretItem('herald-kafka-user', 'password', 'kafka-sasl-password'),
              secretItem('postgres-ca', 'ca.crt', 'database-ca.crt'),
            ],
          },
        });
      }
    });

    it('the migrations Job mounts only the database CA and names it', () => {
      const job = named(manifests, 'Job', 'herald-migrations');
      const container = containerOf(job);
      expect(container.env.find((e) => e.name === 'DATABASE_URL')?.value).toBe(
        'postgres://herald@postgres.databases.svc.cluster.local:5432/herald?sslmode=verify-full',
      );
      expect(container.env.find((e) => e.name === 'HERALD_DATABASE_CA_FILE')?.value).toBe(
        '/etc/herald/credentials/database-ca.crt',
      );
      expect(credentials(job)).toEqual({
        name: 'credentials',
        projected: {
          defaultMode: 0o440,
          sources: [secretItem('postgres-ca', 'ca.crt', 'database-ca.crt')],
        },
      });
    });

    it('nothing is mounted or set without them (the defaults)', () => {
      const defaults = render(VALUES.defaults).manifests;
      const settings = named(defaults, 'ConfigMap', 'herald-settings');
      expect(
        Object.keys(settings.data ?? {}).filter((name) => /KAFKA_(TLS|SASL)|CA_FILE/.test(name)),
      ).toEqual([]);
      expect(credentials(named(defaults, 'Job', 'herald-migrations'))).toBeUndefined();
    });
  });

  it('pods roll when a setting or a chart-made secret changes (checksum annotations)', () => {
    const checksums = (extra: string[]): Record<string, string>[] =>
      ofKind(render(VALUES.chartSecret, extra).manifests, 'Deployment').map(
        (d) => at(d, 'spec.template.metadata.annotations') as Record<string, string>,
      );
    const before = checksums([]);
    const afterSetting = checksums(['--set', 'settings.logLevel=debug']);
    const afterSecret = checksums(['--set', 'secrets.adminToken=another_admin_token_42']);
    before.forEach((annotations, i) => {
      expect(annotations['checksum/settings']).toMatch(/^[0-9a-f]{64}$/);
      expect(annotations['checksum/secrets']).toMatch(/^[0-9a-f]{64}$/);
      expect(afterSetting[i]['checksum/settings']).not.toBe(annotations['checksum/settings']);
      expect(afterSetting[i]['checksum/secrets']).toBe(annotations['checksum/secrets']);
      expect(afterSecret[i]['checksum/secrets']).not.toBe(annotations['checksum/secrets']);
    });
  });

  describe('bad values are rejected', () => {
    const badDir = join(chart, 'tests', 'bad-values');
    const badFiles = readdirSync(badDir).filter((name) => name.endsWith('.yaml'));

    it('has bad-values files', () => expect(badFiles.length).toBeGreaterThanOrEqual(10));

    it.each(badFiles)('%s', (name) => {
      const file = join(badDir, name);
      const text = readFileSync(file, 'utf8');
      const expected = /^# expect: (.+)$/m.exec(text)?.[1];
      if (!expected) throw new Error(`${name} has no "# expect:" line`);
      const bySchema = !/^# schema: no$/m.test(text);

      const rendered = helmTemplate([file]);
      expect(rendered.status).not.toBe(0);
      expect(rendered.stderr).toContain(expected);
      if (bySchema) {
        expect(rendered.stderr).toContain("values don't meet the specifications of the schema(s)");
        const lint = run(tools.helm, [
          'lint',
          '--strict',
          chart,
          '--kube-version',
          tools.kubeVersion,
          '-f',
          file,
        ]);
        expect(lint.status).not.toBe(0);
        expect(lint.stdout + lint.stderr).toContain(expected);
      }
    });
  });

  it("the chart's dashboards are byte-identical copies of deploy/grafana/dashboards", () => {
    const source = join(root, 'deploy', 'grafana', 'dashboards');
    const copies = join(chart, 'dashboards');
    const files = dashboardFiles(source);
    expect(files.length).toBeGreaterThan(0);
    expect(dashboardFiles(copies)).toEqual(files);
    const stale = files.filter(
      (file) => !readFileSync(join(copies, file)).equals(readFileSync(join(source, file))),
    );
    // Fixed by `node scripts/sync-dashboards.js`.
    expect(stale).toEqual([]);
  });

  describe('NOTES.txt', () => {
    // helm template does not render NOTES.txt (only helm install does, against a cluster), so a
    // copy of the chart renders it through a probe template.
    let probeChart: string;
    beforeAll(() => {
      probeChart = join(mkdtempSync(join(tmpdir(), 'herald-notes-')), 'herald');
      cpSync(chart, probeChart, { recursive: true });
      cpSync(join(chart, 'templates', 'NOTES.txt'), join(probeChart, 'notes-probe.txt'));
      writeFileSync(
        join(probeChart, 'templates', 'notes-probe.yaml'),
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: notes-probe',
          'data:',
          '  notes: {{ tpl (.Files.Get "notes-probe.txt") . | toJson }}',
          '',
        ].join('\n'),
      );
    });
    afterAll(() => rmSync(join(probeChart, '..'), { recursive: true, force: true }));

    const notes = (extra: string[]): string => {
      const result = run(tools.helm, [
        'template',
        'herald',
        probeChart,
        '--kube-version',
        tools.kubeVersion,
        '--show-only',
        'templates/notes-probe.yaml',
        ...extra,
      ]);
      if (result.status !== 0) throw new Error(`NOTES.txt does not render: ${result.stderr}`);
      return (parseManifests(result.stdout)[0].data as { notes: string }).notes;
    };

    it('names the Secret and its keys and the migrations Job', () => {
      const text = notes([]);
      expect(text).toContain('Secret "herald-secrets"');
      expect(text).toContain('HERALD_ENCRYPTION_KEY, HERALD_ADMIN_TOKEN, DATABASE_URL');
      expect(text).toContain('herald-migrations');
      expect(text).not.toContain('WARNING');
    });

    it('warns when a consumer may run more replicas than the topics have partitions', () => {
      const text = notes(['--set', 'deliverer.replicas=20', '--set', 'kafka.topicPartitions=12']);
      expect(text).toContain(
        'WARNING: deliverer may run 20 replicas but the topics have 12 partitions',
      );
    });
  });
});

describe('deploy/: the image and docker compose', () => {
  const deploy = join(root, 'deploy');
  const IMAGE_ROLES = [...ROLES, 'migrate'];
  const readYaml = (file: string): unknown =>
    parse(readFileSync(join(deploy, file), 'utf8'), { merge: true }) as unknown;

  describe('deploy/docker-compose.yml', () => {
    let compose: unknown;
    let validate: (document: unknown) => string[];
    beforeAll(() => {
      const schema = JSON.parse(readFileSync(prepareTools().composeSchema, 'utf8')) as object;
      const check = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
      validate = (document) =>
        check(document)
          ? []
          : (check.errors ?? []).map(
              (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
            );
      compose = readYaml('docker-compose.yml');
    }, 20 * 60_000);

    it('conforms to the Compose specification (and the check catches a misspelt key)', () => {
      expect(validate(compose)).toEqual([]);
      const broken = structuredClone(compose);
      setAt(broken, 'services.event-ingest.restrat', 'always');
      expect(validate(broken).join('\n')).toContain('restrat');
    });

    it('runs every role from the one image built by deploy/Dockerfile, hardened like the chart', () => {
      for (const role of IMAGE_ROLES) {
        const service = at(compose, `services.${role}`);
        expect(service).toMatchObject({
          build: { context: '..', dockerfile: 'deploy/Dockerfile' },
          image: 'herald:local',
          command: [role],
          read_only: true,
          cap_drop: ['ALL'],
          tmpfs: ['/tmp'],
        });
      }
      expect(at(compose, 'services.migrate.depends_on')).toEqual({
        postgres: { condition: 'service_healthy' },
      });
      for (const role of ROLES)
        expect(at(compose, `services.${role}.depends_on`)).toEqual({
          postgres: { condition: 'service_healthy' },
          kafka: { condition: 'service_healthy' },
          migrate: { condition: 'service_completed_successfully' },
        });
    });

    it('pins every third-party image by version', () => {
      const services = at(compose, 'services') as Record<string, { image: string }>;
      const images = Object.values(services)
        .map((service) => service.image)
        .filter((image) => image !== 'herald:local');
      expect(images.sort()).toEqual([
        expect.stringMatching(/^apache\/kafka:\d+\.\d+\.\d+$/),
        expect.stringMatching(/^grafana\/grafana:\d+\.\d+\.\d+$/),
        expect.stringMatching(/^postgres:\d+\.\d+(-[a-z]+)?$/),
        expect.stringMatching(/^prom\/prometheus:v\d+\.\d+\.\d+$/),
      ]);
    });

    it("Prometheus scrapes the three services' metrics port; Grafana loads deploy/grafana/dashboards", () => {
      const targets = at(
        readYaml('prometheus/prometheus.yml'),
        'scrape_configs.0.static_configs.0.targets',
      );
      expect(targets).toEqual(ROLES.map((role) => `${role}:9464`));
      expect(at(compose, 'services.prometheus.volumes')).toContain(
        './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
      );
      expect(
        at(readYaml('grafana/provisioning/datasources/prometheus.yaml'), 'datasources.0'),
      ).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
      expect(
        at(readYaml('grafana/provisioning/dashboards/herald.yaml'), 'providers.0.options.path'),
      ).toBe('/var/lib/grafana/dashboards');
      expect(at(compose, 'services.grafana.volumes')).toEqual(
        expect.arrayContaining([
          './grafana/provisioning:/etc/grafana/provisioning:ro',
          './grafana/dashboards:/var/lib/grafana/dashboards:ro',
        ]),
      );
    });
  });

  describe('deploy/Dockerfile', () => {
    const dockerfile = readFileSync(join(deploy, 'Dockerfile'), 'utf8');

    it('builds on an exactly pinned Node that satisfies package.json engines', () => {
      const base = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/m.exec(dockerfile);
      expect(base).not.toBeNull();
      const [major, minor] = [Number(base?.[1]), Number(base?.[2])];
      const engines = (
        JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
          engines: { node: string };
        }
      ).engines.node;
      const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)$/.exec(engines) ?? [];
      expect(
        major > Number(wantMajor) || (major === Number(wantMajor) && minor >= Number(wantMinor)),
      ).toBe(true);
      expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(3);
    });

    it('runs as uid 10001 and exposes http, gRPC and metrics', () => {
      expect(dockerfile).toMatch(/^USER 10001:10001$/m);
      expect(dockerfile).toMatch(/^EXPOSE 8080 50051 9464$/m);
      expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/deploy\/docker-entrypoint.sh"\]$/m);
    });

    it('copies only files that exist and that .dockerignore lets into the build context', () => {
      const allowed = readFileSync(join(root, '.dockerignore'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('!'))
        .map((line) => line.slice(1).replace(/\/$/, ''));
      const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap(
        (match) => match[1].split(' '),
      );
      expect(sources).toEqual(
        expect.arrayContaining(['libs/contracts/proto', 'scripts/register-aliases.js']),
      );
      for (const source of sources) {
        expect(readdirSync(join(root, source, '..'))).toContain(source.split('/').pop());
        expect(allowed.some((entry) => source === entry || source.startsWith(`${entry}/`))).toBe(
          true,
        );
      }
    });

    it('the entrypoint starts the compiled entry of each role and refuses an unknown one', () => {
      const entrypoint = readFileSync(join(deploy, 'docker-entrypoint.sh'), 'utf8');
      const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
        include: string[];
      };
      expect(build.include).toEqual(expect.arrayContaining(['apps', 'deploy']));
      for (const role of ROLES) {
        expect(readdirSync(join(root, 'apps', role, 'src'))).toContain('main.ts');
        expect(entrypoint).toContain(role);
      }
      expect(entrypoint).toContain('main="dist/apps/$role/src/main.js"');
      expect(entrypoint).toContain('migrate) main="dist/deploy/migrate.js"');
      expect(readdirSync(deploy)).toContain('migrate.ts');
      const unknown = run(join(deploy, 'docker-entrypoint.sh'), ['bogus']);
      expect(unknown.status).toBe(64);
      expect(unknown.stderr).toContain("unknown role 'bogus'");
    });
  });
});
