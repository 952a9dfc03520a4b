// The shapes settings reads and sends, held to the platform's OpenAPI document like
// api/contract.ts holds the shell's: a field the API renames or drops fails the type check.

import type { components } from "../api/schema";
import type { Role } from "../api/types";

export interface Palette { background: string; surface: string; text: string; muted: string; primary: string; accent: string; dark: string }
export interface PresetOption { name: string; label: string; description: string; palette: Palette; fonts: { heading?: string | null; body?: string | null }; radius: number; density: string }
export interface FontOption { name: string; category: string }
export interface ThemeOptions { default_preset: string; presets: PresetOption[]; fonts: FontOption[]; densities: string[] }

/** The theme document as stored: the preset and only what the owner overrode. */
export interface ThemeDocument {
  preset?: string;
  colors?: Partial<Record<"primary" | "accent" | "background" | "text", string>>;
  fonts?: { heading?: string; body?: string };
  brand?: { voice?: string; audience?: string; notes?: string };
}

export interface MemberOut { account_id: string; email: string; role: Role; since: string }
export interface InvitationOut { id: string; email: string; role: Role; expires_at: string; accepted_at?: string | null; revoked_at?: string | null }
export interface ApiKeyOut { id: string; name: string; prefix: string; role: Role; created_at: string; last_used_at?: string | null; revoked_at?: string | null; key?: string | null }
export interface DomainOut { domain: string; txt_name: string; txt_value: string; verified_at: string | null; flagged_at: string | null; last_checked_at: string | null }
export interface BalanceOut { balance: number; held: number; available: number; subscription_status: string }
export interface LedgerEntryOut { id: string; amount: number; type: string; reference_id: string; note: string | null; created_at: string }
export interface LedgerPage { entries: LedgerEntryOut[]; next_cursor: string | null }
export interface ConnectOut { account_id: string | null; charges_enabled: boolean; payouts_enabled: boolean; details_submitted: boolean; requirements: string[]; fee_percent: number }
export interface ProductOut { id: string; slug: string; name: string; description: string; price_amount: number; currency: string; active: boolean; inventory: number | null }
export interface ProductPage { products: ProductOut[]; next_cursor: string | null }
export interface OrderOut { id: string; status: string; currency: string; amount_total: number; amount_refunded: number; application_fee: number; customer_email: string | null; created_at: string }
export interface OrderPage { orders: OrderOut[]; next_cursor: string | null }

type Schemas = components["schemas"];
type Unknown<Client, Server> = Exclude<keyof Client, keyof Server>;
type None<Fields extends never> = Fields;

export type SettingsContract = [
  None<Unknown<Palette, Schemas["Palette"]>>,
  None<Unknown<PresetOption, Schemas["PresetOption"]>>,
  None<Unknown<FontOption, Schemas["FontOption"]>>,
  None<Unknown<ThemeOptions, Schemas["ThemeOptions"]>>,
  None<Unknown<MemberOut, Schemas["MemberOut"]>>,
  None<Unknown<InvitationOut, Schemas["InvitationOut"]>>,
  None<Unknown<ApiKeyOut, Schemas["ApiKeyOut"]>>,
  None<Unknown<DomainOut, Schemas["DomainOut"]>>,
  None<Unknown<BalanceOut, Schemas["BalanceOut"]>>,
  None<Unknown<LedgerEntryOut, Schemas["LedgerEntryOut"]>>,
  None<Unknown<LedgerPage, Schemas["LedgerPage"]>>,
  None<Unknown<ConnectOut, Schemas["ConnectOut"]>>,
  None<Unknown<ProductOut, Schemas["ProductOut"]>>,
  None<Unknown<ProductPage, Schemas["ProductPage"]>>,
  None<Unknown<OrderOut, Schemas["OrderOut"]>>,
  None<Unknown<OrderPage, Schemas["OrderPage"]>>,
];
