// The studio's hand-written shapes (types.ts) held to the platform's OpenAPI document, which
// the gateway serves at /api/openapi.json and `npm run api-types` turns into schema.d.ts:
// every field the studio reads from an answer or sends in a request must be one the document
// names, so an API change that renames or removes one fails `npm run typecheck` (the error
// names the field). Field types are not compared yet: the document types roles and statuses as
// plain strings where the studio narrows them.

import type { components } from "./schema";
import type {
  BriefIn, EstimateOut, GenerationOut, LayoutOut, Membership, PageList, PageOut, PageSummary, PlanFacts, PlannedPage,
  PlannedSection, PlanOut, PublicationIn, PublicationOut, SessionOut, SignupIn, SignupOut, SignupRequestedOut,
  SitePlan, TenantOut, TokenOut,
} from "./types";

type Schemas = components["schemas"];
type Unknown<Client, Server> = Exclude<keyof Client, keyof Server>;
type None<Fields extends never> = Fields;

export type Contract = [
  None<Unknown<TokenOut, Schemas["TokenOut"]>>,
  None<Unknown<Membership, Schemas["MembershipOut"]>>,
  None<Unknown<SessionOut, Schemas["SessionOut"]>>,
  None<Unknown<SignupIn, Schemas["SignupIn"]>>,
  None<Unknown<SignupRequestedOut, Schemas["SignupRequestedOut"]>>,
  None<Unknown<SignupOut, Schemas["SignupOut"]>>,
  None<Unknown<TenantOut, Schemas["TenantOut"]>>,
  None<Unknown<PageSummary, Schemas["PageSummary"]>>,
  None<Unknown<PageList, Schemas["PageList"]>>,
  None<Unknown<PageOut, Schemas["PageOut"]>>,
  None<Unknown<BriefIn, Schemas["BriefIn"]>>,
  None<Unknown<PlanFacts, Schemas["PlanFacts"]>>,
  None<Unknown<PlannedSection, Schemas["PlannedSection"]>>,
  None<Unknown<PlannedPage, Schemas["PlannedPage"]>>,
  None<Unknown<SitePlan, Schemas["SitePlan"]>>,
  None<Unknown<EstimateOut, Schemas["EstimateOut"]>>,
  None<Unknown<PlanOut, Schemas["PlanOut"]>>,
  None<Unknown<GenerationOut, Schemas["GenerationOut"]>>,
  None<Unknown<LayoutOut, Schemas["LayoutOut"]>>,
  None<Unknown<PublicationIn, Schemas["PublicationIn"]>>,
  None<Unknown<PublicationOut, Schemas["PublicationOut"]>>,
];
