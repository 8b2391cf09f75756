'use strict';
// Writes JSON schemas for kubeconform from the Kubernetes OpenAPI (swagger 2.0) document and from
// CustomResourceDefinitions, so manifests can be validated offline. Layout, as kubeconform's
// -schema-location templates expect:
//   <out>/v<kube-version>-standalone-strict/<kind>-<group's first label>-<version>.json   (built-in kinds)
//   <out>/crds/<group>/<kind>_<version>.json                                             (CRD kinds)
// "standalone": every $ref is inlined (only a recursive type keeps a local #/definitions entry);
// "strict": an object that lists its properties accepts no other property.
//
//   node scripts/k8s-schemas.js --swagger swagger.json --kube-version 1.33.13 --out DIR [--crd crd.json ...]

const fs = require('node:fs');
const path = require('node:path');

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
// apimachinery's quantity grammar: a signed decimal number, then an optional suffix (binary
// Ki..Ei, decimal n u m k M G T P E, or an exponent e/E).
const QUANTITY_PATTERN =
  '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$';
// Keywords a JSON schema validator understands; everything else (descriptions, x-kubernetes-*
// hints, OpenAPI-only words) is dropped.
const KEPT = new Set([
  'type',
  'format',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'required',
]);

function parseArgs(argv) {
  const args = { crd: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--swagger') args.swagger = value;
    else if (flag === '--kube-version') args.kubeVersion = value;
    else if (flag === '--out') args.out = value;
    else if (flag === '--crd') args.crd.push(value);
    else throw new Error(`unknown option ${flag}`);
  }
  for (const required of ['swagger', 'kubeVersion', 'out'])
    if (!args[required]) throw new Error(`--${required.replace('V', '-v')} is required`);
  if (!/^\d+\.\d+\.\d+$/.test(args.kubeVersion))
    throw new Error(`--kube-version must look like 1.33.0, got ${args.kubeVersion}`);
  return args;
}

const quantity = () => ({
  oneOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }],
});
const intOrString = () => ({ oneOf: [{ type: 'string' }, { type: 'integer' }] });

/** Converts one swagger schema node, inlining references; `stack` holds the types being inlined. */
function fromSwagger(node, definitions, stack, recursive) {
  if (node.$ref) {
    const name = node.$ref.replace('#/definitions/', '');
    if (name === QUANTITY) return quantity();
    if (stack.includes(name)) {
      recursive.add(name);
      return { $ref: `#/definitions/${name}` };
    }
    const target = definitions[name];
    if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
    return fromSwagger(target, definitions, [...stack, name], recursive);
  }
  if (node.format === 'int-or-string') return intOrString();
  const out = {};
  for (const [key, value] of Object.entries(node)) if (KEPT.has(key)) out[key] = value;
  if (node.properties) {
    out.properties = {};
    for (const [name, property] of Object.entries(node.properties))
      out.properties[name] = fromSwagger(property, definitions, stack, recursive);
  }
  if (node.items) out.items = fromSwagger(node.items, definitions, stack, recursive);
  if (typeof node.additionalProperties === 'object')
    out.additionalProperties = fromSwagger(
      node.additionalProperties,
      definitions,
      stack,
      recursive,
    );
  else if (node.additionalProperties !== undefined)
    out.additionalProperties = node.additionalProperties;
  else if (node.properties) out.additionalProperties = false;
  return out;
}

/** Converts a CRD's openAPIV3Schema node (structural schema, OpenAPI 3.0 dialect). */
function fromCrd(node) {
  if (node['x-kubernetes-int-or-string'] && !node.anyOf && !node.oneOf) return intOrString();
  const out = {};
  for (const [key, value] of Object.entries(node)) if (KEPT.has(key)) out[key] = value;
  for (const combinator of ['anyOf', 'oneOf', 'allOf'])
    if (node[combinator]) out[combinator] = node[combinator].map(fromCrd);
  if (node.not) out.not = fromCrd(node.not);
  if (node.properties) {
    out.properties = {};
    for (const [name, property] of Object.entries(node.properties))
      out.properties[name] = fromCrd(property);
  }
  if (node.items) out.items = fromCrd(node.items);
  if (typeof node.additionalProperties === 'object')
    out.additionalProperties = fromCrd(node.additionalProperties);
  else if (node.additionalProperties !== undefined)
    out.additionalProperties = node.additionalProperties;
  else if (node.properties && !node['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  if (node.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

function pinKind(schema, group, version, kind) {
  const apiVersion = group ? `${group}/${version}` : version;
  schema.properties = {
    ...schema.properties,
    apiVersion: { type: 'string', enum: [apiVersion] },
    kind: { type: 'string', enum: [kind] },
  };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind'])];
  return schema;
}

/** The file name kubeconform asks for: see {{.ResourceKind}}{{.KindSuffix}} in its registry. */
function kindFile(group, version, kind) {
  const firstLabel = group ? group.split('.')[0].toLowerCase() : '';
  return `${kind.toLowerCase()}${firstLabel ? `-${firstLabel}` : ''}-${version.toLowerCase()}.json`;
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const swagger = JSON.parse(fs.readFileSync(args.swagger, 'utf8'));
  const definitions = swagger.definitions;
  const strictDir = path.join(args.out, `v${args.kubeVersion}-standalone-strict`);
  let builtIn = 0;
  for (const [name, definition] of Object.entries(definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      const recursive = new Set();
      const schema = pinKind(
        fromSwagger(definition, definitions, [name], recursive),
        gvk.group,
        gvk.version,
        gvk.kind,
      );
      if (recursive.size > 0) {
        schema.definitions = {};
        // A recursive type is kept once as a local definition; its own references stay local.
        for (let pending = [...recursive]; pending.length > 0;) {
          const next = pending.shift();
          if (schema.definitions[next]) continue;
          const inner = new Set();
          schema.definitions[next] = fromSwagger(definitions[next], definitions, [next], inner);
          for (const more of inner) if (!schema.definitions[more]) pending.push(more);
        }
      }
      schema.$schema = 'http://json-schema.org/draft-04/schema#';
      writeJson(path.join(strictDir, kindFile(gvk.group, gvk.version, gvk.kind)), schema);
      builtIn += 1;
    }
  }

  const objectMeta = fromSwagger(
    { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    definitions,
    [],
    new Set(),
  );
  let custom = 0;
  for (const file of args.crd) {
    const crd = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${file} is not a CRD`);
    const { group, names } = crd.spec;
    for (const version of crd.spec.versions) {
      const schema = fromCrd(version.schema.openAPIV3Schema);
      schema.properties.metadata = objectMeta;
      pinKind(schema, group, version.name, names.kind);
      schema.$schema = 'http://json-schema.org/draft-04/schema#';
      writeJson(
        path.join(args.out, 'crds', group, `${names.kind.toLowerCase()}_${version.name}.json`),
        schema,
      );
      custom += 1;
    }
  }
  console.log(`k8s-schemas: ${builtIn} built-in and ${custom} custom kinds written to ${args.out}`);
}

try {
  main();
} catch (error) {
  console.error(`k8s-schemas: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
