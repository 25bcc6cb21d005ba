export { DefinitionSchema, type Definition, type DefinitionInput, type AuthSpec, type OAuth2Auth, type ExpirySource, type ContextCapture, type TokenErrorHints, type TokenErrorMatcher, type Operation, type Resource, type Pagination, type ErrorRule, type RateLimitSpec } from './schema.js';
export { createExpressionCompiler, compileAll, expressionFields, type ExpressionCompiler, type ExpressionBounds } from './expressions.js';
export { DEFAULT_INTEGRATIONS_DIR, parseDefinition, loadDefinitionFile, loadDefinitionDirs, formatZodIssues } from './loader.js';
export { createRegistry, loadRegistry, type IntegrationRegistry, type LoadRegistryOptions } from './registry.js';
export { deepMerge, validateOverride, overrideProblem, resolveDefinition, createDefinitionResolver, type AccountOverride, type DefinitionResolver, type Json } from './overrides.js';
export { authSpec, tokenEndpointSpec, connectSpec, contextCaptures, secretContextKeys, classifyTokenErrorBody, type TokenEndpointSpec, type ConnectSpecView, type TokenErrorClass } from './accessors.js';
export { checkOutboundUrl, hostMatches } from './hosts.js';
export { definitionJsonSchemaText } from './json-schema.js';
