import type { Schemas } from '../api/client';
import type { DestinationSetting, MapEntry, SettingValues } from './subscription-form-state';

type Descriptor = Schemas['DestinationTypeDescriptor'];

/** What the API shows in place of a secret value; sent back unchanged, it keeps the secret. */
export const MASK = '********';

const ACRONYMS: Record<string, string> = { url: 'URL', id: 'ID', aws: 'AWS', sqs: 'SQS' };

/** `secret_access_key` → `Secret access key`, `queue_url` → `Queue URL`. */
export function settingLabel(name: string): string {
  const words = name.split('_').map((word) => ACRONYMS[word] ?? word);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

interface FieldProps {
  idPrefix: string;
  setting: DestinationSetting;
  value: string | MapEntry[] | undefined;
  onChange: (value: string | MapEntry[]) => void;
}

function Help({
  id,
  setting,
  masked,
}: {
  id: string;
  setting: DestinationSetting;
  masked: boolean;
}) {
  return (
    <small id={id} class="sub-help">
      {setting.description}
      {masked ? ' Shown masked: leave it as it is to keep the stored value.' : ''}
    </small>
  );
}

/** A one-line input; a secret's is a password field, so that it shows masked. */
function TextInput(props: {
  id: string;
  secret: boolean;
  url?: boolean;
  required?: boolean;
  describedBy?: string;
  value: string;
  onInput: (value: string) => void;
}) {
  const common = {
    id: props.id,
    autocomplete: 'off',
    spellcheck: false,
    required: props.required ?? false,
    'aria-describedby': props.describedBy,
    value: props.value,
    onInput: (event: { currentTarget: HTMLInputElement }) =>
      props.onInput(event.currentTarget.value),
  };
  if (props.secret) return <input type="password" {...common} />;
  if (props.url) return <input type="url" {...common} />;
  return <input type="text" {...common} />;
}

function MapField({ idPrefix, setting, value, onChange }: FieldProps) {
  const entries = Array.isArray(value) ? value : [];
  const label = settingLabel(setting.name);
  const change = (index: number, entry: MapEntry) =>
    onChange(entries.map((old, at) => (at === index ? entry : old)));
  return (
    <fieldset class="sub-map-setting" aria-describedby={`${idPrefix}-help`}>
      <legend>
        {label}
        {setting.required ? ' (required)' : ''}
      </legend>
      <Help
        id={`${idPrefix}-help`}
        setting={setting}
        masked={setting.secret && entries.some((entry) => entry.value === MASK)}
      />
      {entries.map((entry, index) => {
        const rowId = `${idPrefix}-${index}`;
        return (
          <div class="sub-map-entry" key={index}>
            <label for={`${rowId}-name`}>
              {label} name {index + 1}
            </label>
            <input
              id={`${rowId}-name`}
              type="text"
              autocomplete="off"
              spellcheck={false}
              value={entry.name}
              onInput={(event) => change(index, { ...entry, name: event.currentTarget.value })}
            />
            <label for={`${rowId}-value`}>
              {label} value {index + 1}
            </label>
            <TextInput
              id={`${rowId}-value`}
              secret={setting.secret}
              value={entry.value}
              onInput={(value) => change(index, { ...entry, value })}
            />
            <button
              type="button"
              onClick={() => onChange(entries.filter((_entry, at) => at !== index))}
            >
              Remove {label.toLowerCase()} entry {index + 1}
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...entries, { name: '', value: '' }])}>
        Add {label.toLowerCase()} entry
      </button>
    </fieldset>
  );
}

function SettingField(props: FieldProps) {
  const { idPrefix, setting, value, onChange } = props;
  if (setting.type === 'string_map') return <MapField {...props} />;
  const text = typeof value === 'string' ? value : '';
  const label = (
    <label for={idPrefix}>
      {settingLabel(setting.name)}
      {setting.required ? ' (required)' : ''}
    </label>
  );
  const help = (
    <Help id={`${idPrefix}-help`} setting={setting} masked={setting.secret && text === MASK} />
  );
  if (setting.type === 'string_list') {
    return (
      <div class="sub-field">
        {label}
        <textarea
          id={idPrefix}
          rows={3}
          spellcheck={false}
          aria-describedby={`${idPrefix}-help`}
          value={text}
          onInput={(event) => onChange(event.currentTarget.value)}
        />
        {help}
        <small class="sub-help">One per line, or separated by commas.</small>
      </div>
    );
  }
  return (
    <div class="sub-field">
      {label}
      <TextInput
        id={idPrefix}
        secret={setting.secret}
        url={setting.type === 'url'}
        required={setting.required}
        describedBy={`${idPrefix}-help`}
        value={text}
        onInput={onChange}
      />
      {help}
    </div>
  );
}

/**
 * The destination part of the subscription form, drawn from `GET /v1/destination-types`: a new
 * kind of destination, or a new setting, appears here without a change to the console.
 */
export function DestinationFields({
  descriptors,
  type,
  values,
  onTypeChange,
  onChange,
}: {
  descriptors: Descriptor[];
  type: Descriptor['type'];
  values: SettingValues;
  onTypeChange: (type: Descriptor['type']) => void;
  onChange: (values: SettingValues) => void;
}) {
  const descriptor = descriptors.find((one) => one.type === type);
  return (
    <fieldset class="sub-destination">
      <legend>Destination</legend>
      <div class="sub-field">
        <label for="destination-type">Destination type</label>
        <select
          id="destination-type"
          value={type}
          aria-describedby="destination-type-help"
          onChange={(event) => onTypeChange(event.currentTarget.value as Descriptor['type'])}
        >
          {descriptors.map((one) => (
            <option key={one.type} value={one.type}>
              {one.name}
            </option>
          ))}
        </select>
        <small id="destination-type-help" class="sub-help">
          {descriptor?.description ?? ''}
        </small>
      </div>
      {descriptor?.settings.map((setting) => (
        <SettingField
          key={`${type}-${setting.name}`}
          idPrefix={`destination-${type}-${setting.name.replace(/_/g, '-')}`}
          setting={setting}
          value={values[setting.name]}
          onChange={(value) => onChange({ ...values, [setting.name]: value })}
        />
      ))}
    </fieldset>
  );
}
