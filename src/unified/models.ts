/**
 * The unified CRM model every integration maps to. Names, emails and phones are lists so
 * providers with several of each lose nothing; `remote_data` carries the provider's raw
 * record when the caller asks for it. Timestamps are ISO-8601 strings.
 */
import { z } from 'zod';

const iso = z.string().describe('ISO-8601 timestamp');
const remoteData = z.record(z.string(), z.unknown()).optional().describe("The provider's raw record, only when include_remote_data was requested");

export const EmailSchema = z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional() });
export const PhoneSchema = z.object({ value: z.string(), type: z.string().optional(), primary: z.boolean().optional() });

export const ContactSchema = z.object({
  id: z.string(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  emails: z.array(EmailSchema).default([]),
  phones: z.array(PhoneSchema).default([]),
  title: z.string().nullable().optional(),
  owner_id: z.string().nullable().optional(),
  company_id: z.string().nullable().optional(),
  created_at: iso.nullable().optional(),
  updated_at: iso.nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  remote_data: remoteData,
});
export type Contact = z.infer<typeof ContactSchema>;

export const CompanySchema = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  domain: z.string().nullable().optional(),
  industry: z.string().nullable().optional(),
  phones: z.array(PhoneSchema).default([]),
  employee_count: z.number().nullable().optional(),
  owner_id: z.string().nullable().optional(),
  created_at: iso.nullable().optional(),
  updated_at: iso.nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  remote_data: remoteData,
});
export type Company = z.infer<typeof CompanySchema>;

export const DealSchema = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  amount: z.number().nullable().optional(),
  currency: z.string().nullable().optional(),
  stage: z.string().nullable().optional(),
  pipeline: z.string().nullable().optional(),
  close_date: z.string().nullable().optional().describe('YYYY-MM-DD'),
  owner_id: z.string().nullable().optional(),
  company_id: z.string().nullable().optional(),
  contact_ids: z.array(z.string()).default([]),
  created_at: iso.nullable().optional(),
  updated_at: iso.nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  remote_data: remoteData,
});
export type Deal = z.infer<typeof DealSchema>;

export const NoteSchema = z.object({
  id: z.string(),
  body: z.string().nullable().optional(),
  owner_id: z.string().nullable().optional(),
  contact_ids: z.array(z.string()).default([]),
  company_ids: z.array(z.string()).default([]),
  deal_ids: z.array(z.string()).default([]),
  created_at: iso.nullable().optional(),
  updated_at: iso.nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).optional(),
  remote_data: remoteData,
});
export type Note = z.infer<typeof NoteSchema>;

/** Writable fields per resource (what create/update accept). */
export const ContactWriteSchema = z
  .object({
    first_name: z.string().max(255).optional(),
    last_name: z.string().max(255).optional(),
    emails: z.array(EmailSchema.strict()).max(10).optional(),
    phones: z.array(PhoneSchema.strict()).max(10).optional(),
    title: z.string().max(255).optional(),
    owner_id: z.string().max(64).optional(),
    company_id: z.string().max(64).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const CompanyWriteSchema = z
  .object({
    name: z.string().max(255).optional(),
    domain: z.string().max(255).optional(),
    industry: z.string().max(255).optional(),
    owner_id: z.string().max(64).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const DealWriteSchema = z
  .object({
    name: z.string().max(255).optional(),
    amount: z.number().finite().optional(),
    currency: z.string().length(3).optional(),
    stage: z.string().max(255).optional(),
    pipeline: z.string().max(255).optional(),
    close_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'close_date must be YYYY-MM-DD').optional(),
    owner_id: z.string().max(64).optional(),
    company_id: z.string().max(64).optional(),
    contact_ids: z.array(z.string().max(64)).max(50).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export const NoteWriteSchema = z
  .object({
    body: z.string().min(1).max(65_536),
    owner_id: z.string().max(64).optional(),
    contact_ids: z.array(z.string().max(64)).max(50).optional(),
    company_ids: z.array(z.string().max(64)).max(50).optional(),
    deal_ids: z.array(z.string().max(64)).max(50).optional(),
  })
  .strict();

export const UNIFIED_RESOURCES = ['contacts', 'companies', 'deals', 'notes'] as const;
export type UnifiedResource = (typeof UNIFIED_RESOURCES)[number];
export const UNIFIED_METHODS = ['list', 'get', 'create', 'update', 'search'] as const;
export type UnifiedMethod = (typeof UNIFIED_METHODS)[number];

export const RECORD_SCHEMAS = { contacts: ContactSchema, companies: CompanySchema, deals: DealSchema, notes: NoteSchema } as const;
export const WRITE_SCHEMAS = { contacts: ContactWriteSchema, companies: CompanyWriteSchema, deals: DealWriteSchema, notes: NoteWriteSchema } as const;
