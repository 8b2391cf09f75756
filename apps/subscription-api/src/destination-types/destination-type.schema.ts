import { Type } from '@sinclair/typebox';
import { DESTINATION_TYPES, type DestinationSettingType } from '@herald/domain';
import { ref } from '../common/openapi-builder';

/** The shape of the destination-type catalog on the wire, for a UI to draw its forms. */

const SETTING_TYPES: readonly DestinationSettingType[] = [
  'string',
  'url',
  'string_list',
  'string_map',
];

export const DestinationSettingSchema = Type.Object({
  name: Type.String({ example: 'queue_url' }),
  type: Type.Unsafe<DestinationSettingType>({
    type: 'string',
    enum: SETTING_TYPES,
    description:
      '`string` and `url` are single values, `string_list` a list, `string_map` name/value pairs.',
  }),
  required: Type.Boolean(),
  secret: Type.Boolean({
    description: 'Encrypted at rest and masked in responses (for a map, its values).',
  }),
  description: Type.String(),
});

export const DestinationTypeDescriptorSchema = Type.Object({
  type: Type.Unsafe<string>({ type: 'string', enum: DESTINATION_TYPES }),
  name: Type.String({ example: 'AWS SQS' }),
  description: Type.String(),
  settings: Type.Array(Type.Unsafe(ref('DestinationSetting'))),
});

export const DestinationTypeListSchema = Type.Object({
  data: Type.Array(Type.Unsafe(ref('DestinationTypeDescriptor'))),
});
