/** One valid argument object per tool (against the in-test engine's seed data). */
export const VALID_ARGS: Record<string, Record<string, unknown>> = {
  list_contacts: { limit: 2 },
  search_contacts: { query: 'Doe' },
  get_contact: { id: '1' },
  create_contact: { first_name: 'Ada', emails: [{ value: 'ada@example.com' }] },
  update_contact: { id: '1', title: 'CTO' },
  list_companies: { limit: 2 },
  get_company: { id: 'c1' },
  list_deals: { limit: 2 },
  get_deal: { id: 'd1' },
  create_deal: { name: 'New', amount: 10 },
  update_deal: { id: 'd1', stage: 'won' },
  log_note: { body: 'Called them', contact_ids: ['1'] },
  list_notes: {},
};
