/** One valid argument object per tool, for a HubSpot portal holding these records. */
export function validArgs(ids: { contact: string; company: string; deal: string }): Record<string, Record<string, unknown>> {
  return {
    list_contacts: { limit: 2 },
    search_contacts: { query: 'a' },
    get_contact: { id: ids.contact },
    create_contact: { first_name: 'Ada', emails: [{ value: 'ada@example.com' }] },
    update_contact: { id: ids.contact, title: 'CTO' },
    list_companies: { limit: 2 },
    get_company: { id: ids.company },
    list_deals: { limit: 2 },
    get_deal: { id: ids.deal },
    create_deal: { name: 'New', amount: 10 },
    update_deal: { id: ids.deal, stage: 'closedwon' },
    log_note: { body: 'Called them', contact_ids: [ids.contact] },
    list_notes: {},
    describe_crm: {},
  };
}
