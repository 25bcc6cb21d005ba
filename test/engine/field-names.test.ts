import { describe, expect, it } from 'vitest';
import { toUnifiedFields, unifiedFieldNames } from '../../src/engine/field-names.js';
import { loadRegistry, parseDefinition } from '../../src/integrations/index.js';

describe('provider field names → unified names, read off the mapping', () => {
  const reg = loadRegistry();
  it('Salesforce and HubSpot fields a provider complains about are named as the caller wrote them', () => {
    const sfDeals = reg.get('salesforce').resources.deals!;
    expect(toUnifiedFields(sfDeals, ['StageName', 'CloseDate', 'Name', 'Mystery__c'])).toEqual(['stage', 'close_date', 'name', 'Mystery__c']);
    const hsContacts = reg.get('hubspot').resources.contacts!;
    expect(toUnifiedFields(hsContacts, ['email', 'firstname', 'jobtitle'])).toEqual(['emails', 'first_name', 'title']);
  });
  it('a provider name read by two unified fields stays as it is; custom fields map to custom_fields.<key>', () => {
    const sf = reg.get('salesforce');
    const def = parseDefinition({ ...sf, resources: { ...sf.resources, contacts: { ...sf.resources.contacts!, mapping: "{'id': Id, 'a': Both, 'b': Both, 'c': Only}", custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } } }, 'test:sf');
    const map = unifiedFieldNames(def.resources.contacts!);
    expect(map.has('Both')).toBe(false);
    expect(map.get('Only')).toBe('c');
    expect(toUnifiedFields(def.resources.contacts!, ['Both', 'Custom_Tier__c'])).toEqual(['Both', 'custom_fields.tier']);
  });
});
