// The plan a brief gave, to check and change before anything is charged: the facts, the
// pages and their sections. The price follows every change (the estimate endpoint answers
// exactly what the job will reserve), so "Generate" always shows what it will hold.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { api } from "../api/client";
import { PLAN_COMPONENTS, type BriefIn, type EstimateOut, type PlanComponent, type PlannedPage, type PlanOut, type SitePlan } from "../api/types";
import { Button, ErrorNotice, SelectField, TextArea, TextField } from "../ui";
import { Estimate, useDebounced } from "./Estimate";

export const COMPONENT_WORDS: Record<PlanComponent, string> = {
  Hero: "Opening banner", FeatureGrid: "Features", MediaText: "Picture and text", CallToAction: "Call to action",
  PricingTable: "Price plans", PriceList: "Price list", FAQ: "Questions", ContactBlock: "Contact details", ContactForm: "Contact form",
  Gallery: "Gallery", RichText: "Text", ProductGrid: "Products",
};

function PageEditor({ page, index, count, onChange, onRemove }: {
  page: PlannedPage; index: number; count: number; onChange: (page: PlannedPage) => void; onRemove: () => void;
}) {
  const set = (field: keyof PlannedPage) => (event: { target: { value: string } }) => onChange({ ...page, [field]: event.target.value });
  const sections = page.sections;
  const move = (from: number, to: number) => {
    const next = [...sections];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved!);
    onChange({ ...page, sections: next });
  };
  const addSection = () => {
    const taken = new Set(sections.map((s) => s.anchor));
    let n = sections.length + 1;
    while (taken.has(`section-${n}`)) n += 1;
    onChange({ ...page, sections: [...sections, { component: "RichText", anchor: `section-${n}`, purpose: "" }] });
  };
  return (
    <fieldset className="card plan-page">
      <legend><span className="page-number">Page {index + 1}</span> {page.nav_label} <span className="mono muted">{page.slug}</span></legend>
      <div className="field-row">
        <TextField label="Title" required maxLength={60} value={page.title} onChange={set("title")} />
        <TextField label="Menu label" required maxLength={24} value={page.nav_label} onChange={set("nav_label")} />
        <TextField label="Address" required maxLength={60} pattern="/([a-z0-9]+(-[a-z0-9]+)*)?" value={page.slug}
          onChange={set("slug")} disabled={index === 0} hint={index === 0 ? "The home page is always /." : undefined}
          spellCheck={false} />
      </div>
      <TextArea label="Description" required minLength={50} maxLength={160} rows={2} value={page.description}
        onChange={set("description")} hint="What search engines show: 50 to 160 characters." />
      <h3 className="sections-title">Sections</h3>
      <ol className="plan-sections">
        {sections.map((section, at) => (
          <li key={`${section.anchor}-${at}`} className="plan-section">
            <SelectField label={`Section ${at + 1}`} value={section.component}
              onChange={(e) => onChange({ ...page, sections: sections.map((s, i) => i === at ? { ...s, component: e.target.value as PlanComponent } : s) })}>
              {PLAN_COMPONENTS.map((c) => <option key={c} value={c}>{COMPONENT_WORDS[c]}</option>)}
            </SelectField>
            <TextField label="What it says" maxLength={200} value={section.purpose}
              onChange={(e) => onChange({ ...page, sections: sections.map((s, i) => i === at ? { ...s, purpose: e.target.value } : s) })} />
            <div className="section-tools" role="group" aria-label={`Section ${at + 1}`}>
              <button type="button" className="icon-button" onClick={() => move(at, at - 1)} disabled={at === 0}
                aria-label={`Move section ${at + 1} up`}>↑</button>
              <button type="button" className="icon-button" onClick={() => move(at, at + 1)} disabled={at === sections.length - 1}
                aria-label={`Move section ${at + 1} down`}>↓</button>
              <button type="button" className="icon-button" disabled={sections.length === 1}
                onClick={() => onChange({ ...page, sections: sections.filter((_, i) => i !== at) })}
                aria-label={`Remove section ${at + 1}`}>✕</button>
            </div>
          </li>
        ))}
      </ol>
      <div className="page-tools">
        <Button type="button" variant="secondary" onClick={addSection} disabled={sections.length >= 8}>Add a section</Button>
        {index > 0 && count > 1 ? <Button type="button" variant="quiet" onClick={onRemove}>Remove this page</Button> : null}
      </div>
    </fieldset>
  );
}

export function PlanEditor({ brief, planned, busy, onBack, onGenerate }: {
  brief: BriefIn; planned: PlanOut; busy: boolean; onBack: () => void; onGenerate: (plan: SitePlan) => void;
}) {
  const [plan, setPlan] = useState<SitePlan>(planned.plan);
  const asked = useDebounced(plan, 500);
  const estimate = useQuery({
    queryKey: ["site-estimate", planned.id, asked],
    queryFn: () => api.post<EstimateOut>("/api/cms/site-generations/estimate", { brief, plan: asked }),
    initialData: asked === planned.plan ? planned.estimate : undefined,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const facts = plan.facts;
  const setFact = (field: "business_name" | "city" | "address" | "phone" | "email") =>
    (event: { target: { value: string } }) => setPlan({ ...plan, facts: { ...facts, [field]: event.target.value } });
  const current = estimate.data ?? planned.estimate;
  const settled = asked === plan && !estimate.isFetching && !estimate.isError;
  return (
    <div className="plan-layout">
      <div className="plan-main">
        <section className="card" aria-labelledby="facts-title">
          <h2 id="facts-title">Facts from your brief</h2>
          <p className="muted">The site states these and nothing else. Correct them here; a fact your brief does not give cannot be added.</p>
          <div className="field-row">
            <TextField label="Business name" required maxLength={80} value={facts.business_name} onChange={setFact("business_name")} />
            <TextField label="Tagline" maxLength={160} value={plan.tagline} onChange={(e) => setPlan({ ...plan, tagline: e.target.value })} />
          </div>
          <div className="field-row">
            <TextField label="City" maxLength={80} value={facts.city} onChange={setFact("city")} />
            <TextField label="Address" maxLength={300} value={facts.address} onChange={setFact("address")} />
          </div>
          <div className="field-row">
            <TextField label="Phone" type="tel" maxLength={30} value={facts.phone} onChange={setFact("phone")} />
            <TextField label="E-mail" type="email" maxLength={254} value={facts.email} onChange={setFact("email")} />
          </div>
          {facts.prices.length || facts.hours.length || facts.services.length ? (
            <dl className="fact-lists">
              {facts.services.length ? <div><dt>Services</dt><dd>{facts.services.join(" · ")}</dd></div> : null}
              {facts.prices.length ? <div><dt>Prices</dt><dd>{facts.prices.map((p) => `${p.item}: ${p.price}`).join(" · ")}</dd></div> : null}
              {facts.hours.length ? <div><dt>Hours</dt><dd>{facts.hours.map((h) => `${h.days} ${h.hours}`).join(" · ")}</dd></div> : null}
            </dl>
          ) : null}
        </section>
        <h2 className="pages-heading">{plan.pages.length} page{plan.pages.length === 1 ? "" : "s"}</h2>
        {plan.pages.map((page, index) => (
          <PageEditor key={index} page={page} index={index} count={plan.pages.length}
            onChange={(changed) => setPlan({ ...plan, pages: plan.pages.map((p, i) => i === index ? changed : p) })}
            onRemove={() => setPlan({ ...plan, pages: plan.pages.filter((_, i) => i !== index) })} />
        ))}
      </div>
      <aside className="plan-side" aria-label="Price and actions">
        <Estimate estimate={current} updating={estimate.isFetching} what="this site" empty="" />
        <ErrorNotice error={estimate.error} title="This plan cannot be written as it is" />
        <div className="side-actions">
          <Button type="button" busy={busy} busyLabel="Starting…" disabled={!settled || !current.fits}
            onClick={() => onGenerate(plan)}>
            Generate the site
          </Button>
          <Button type="button" variant="quiet" onClick={onBack}>Back to the brief</Button>
        </div>
      </aside>
    </div>
  );
}
