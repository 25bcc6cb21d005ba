/**
 * The unified CRM model every integration maps to. Names, emails and phones are lists so
 * providers with several of each lose nothing; `remote_data` carries the provider's raw
 * record when the caller asks for it. Timestamps are ISO-8601 strings.
 */
import { z } from 'zod';

const iso = z.string().describe('ISO-8601 timestamp');
const remoteData = z.record(z.string(), z.unknown()).optional().describe("The provider's raw record, only when include_remote_data was requested");

export const EmailSchema = z.object({
  value: z.string().describe('The email address'),
  type: z.string().optional().describe("Kind of address, e.g. 'work'"),
  primary: z.boolean().optional().describe('True for the primary address'),
});
export const PhoneSchema = z.object({
  value: z.string().describe('The phone number as the provider stores it'),
  type: z.string().optional().describe("Kind of number, e.g. 'work' or 'mobile'"),
  primary: z.boolean().optional().describe('True for the primary number'),
});
const ownerId = z.string().nullable().optional().describe("Provider id of the owning user");
const customFields = z.record(z.string(), z.unknown()).optional().describe('Extra provider fields mapped by an account or environment override, by name');
const createdAt = iso.nullable().optional().describe('When the record was created (ISO-8601)');
const updatedAt = iso.nullable().optional().describe('When the record was last modified (ISO-8601)');

export const ContactSchema = z.object({
  id: z.string().describe("The provider's id of the contact"),
  first_name: z.string().nullable().optional().describe('Given name'),
  last_name: z.string().nullable().optional().describe('Family name'),
  emails: z.array(EmailSchema).default([]).describe('Email addresses, primary first'),
  phones: z.array(PhoneSchema).default([]).describe('Phone numbers'),
  title: z.string().nullable().optional().describe('Job title'),
  owner_id: ownerId,
  company_id: z.string().nullable().optional().describe('Id of the company the contact belongs to'),
  deal_ids: z.array(z.string()).optional().describe("Ids of the contact's deals; present only when the call asked for include: ['deal_ids']"),
  created_at: createdAt,
  updated_at: updatedAt,
  custom_fields: customFields,
  remote_data: remoteData,
});
export type Contact = z.infer<typeof ContactSchema>;

export const CompanySchema = z.object({
  id: z.string().describe("The provider's id of the company"),
  name: z.string().nullable().optional().describe('Company name'),
  domain: z.string().nullable().optional().describe('Web domain without scheme or path, e.g. example.com'),
  industry: z.string().nullable().optional().describe("Industry, in the CRM's own terms"),
  phones: z.array(PhoneSchema).default([]).describe('Phone numbers'),
  employee_count: z.number().nullable().optional().describe('Number of employees'),
  owner_id: ownerId,
  created_at: createdAt,
  updated_at: updatedAt,
  custom_fields: customFields,
  remote_data: remoteData,
});
export type Company = z.infer<typeof CompanySchema>;

export const DealSchema = z.object({
  id: z.string().describe("The provider's id of the deal (an opportunity, in some CRMs)"),
  name: z.string().nullable().optional().describe('Deal name'),
  amount: z.number().nullable().optional().describe('Deal value in `currency`'),
  currency: z.string().nullable().optional().describe('ISO 4217 code; null when the provider uses the account default'),
  stage: z.string().nullable().optional().describe("The CRM's own stage id or name, one of the deal pipeline's stages (a value outside them is refused)"),
  pipeline: z.string().nullable().optional().describe('Pipeline id; null when the provider has none'),
  close_date: z.string().nullable().optional().describe('Expected or actual close date, YYYY-MM-DD'),
  owner_id: ownerId,
  company_id: z.string().nullable().optional().describe('Id of the linked company'),
  contact_ids: z.array(z.string()).default([]).describe('Ids of linked contacts'),
  created_at: createdAt,
  updated_at: updatedAt,
  custom_fields: customFields,
  remote_data: remoteData,
});
export type Deal = z.infer<typeof DealSchema>;

export const NoteSchema = z.object({
  id: z.string().describe("The provider's id of the note"),
  body: z.string().nullable().optional().describe('Note text (some CRMs store HTML)'),
  owner_id: ownerId,
  contact_ids: z.array(z.string()).default([]).describe('Contacts the note is attached to'),
  company_ids: z.array(z.string()).default([]).describe('Companies the note is attached to'),
  deal_ids: z.array(z.string()).default([]).describe('Deals the note is attached to'),
  created_at: createdAt.describe('When the note was created, or the activity time the CRM records for it'),
  updated_at: updatedAt,
  custom_fields: customFields,
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
