// A new site from a brief: the brief, then the plan (editable, with what it will cost), then
// the pages written section by section as the stream reports them, then publish them all.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import { useSession } from "../api/session";
import type { BriefIn, GenerationOut, PlanOut, SitePlan } from "../api/types";
import { Button, ErrorNotice, ScreenTitle, SelectField, TextArea, TextField } from "../ui";
import { PlanEditor } from "./PlanEditor";
import { Progress } from "./Progress";

const LANGUAGES = [["en", "English"], ["fr", "Français"], ["de", "Deutsch"], ["es", "Español"]] as const;
const TONES = ["warm", "professional", "friendly", "calm", "playful", "confident", "plain"] as const;

function BriefForm({ onPlanned }: { onPlanned: (brief: BriefIn, planned: PlanOut) => void }) {
  const [brief, setBrief] = useState<BriefIn>({ name: "", business: "", location: "", tone: "warm", language: "en", pages: [] });
  const [choosePages, setChoosePages] = useState(true);
  const [pagesText, setPagesText] = useState("");
  const plan = useMutation({
    mutationFn: (asked: BriefIn) => api.post<PlanOut>("/api/cms/site-plans", asked),
    onSuccess: (planned, asked) => onPlanned(asked, planned),
  });
  const set = (field: keyof BriefIn) => (event: { target: { value: string } }) => setBrief({ ...brief, [field]: event.target.value });
  const submit = () => {
    const pages = choosePages ? [] : pagesText.split(/[,\n]/).map((p) => p.trim()).filter(Boolean).slice(0, 7);
    plan.mutate({ ...brief, pages });
  };
  return (
    <form className="card form-card" onSubmit={(e) => { e.preventDefault(); submit(); }} aria-labelledby="brief-title">
      <h2 id="brief-title">Your business</h2>
      <p className="muted">Only what you write here becomes a fact on the site: prices, hours, a phone number. Nothing is invented.</p>
      <ErrorNotice error={plan.error} title="The plan could not be made" />
      <TextField label="Name" name="name" required maxLength={80} value={brief.name} onChange={set("name")}
        hint="As visitors should read it." />
      <TextArea label="What you do" name="business" required minLength={3} maxLength={3000} rows={6} value={brief.business}
        onChange={set("business")}
        hint="What you offer and to whom, with the prices, opening hours and contact details you want on the site." />
      <div className="field-row">
        <TextField label="Where" name="location" maxLength={160} value={brief.location} onChange={set("location")}
          hint="Town or area." />
        <SelectField label="Tone" name="tone" value={brief.tone} onChange={set("tone")}>
          {TONES.map((tone) => <option key={tone} value={tone}>{tone[0]!.toUpperCase() + tone.slice(1)}</option>)}
        </SelectField>
        <SelectField label="Language" name="language" value={brief.language} onChange={set("language")}>
          {LANGUAGES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
        </SelectField>
      </div>
      <fieldset className="choice">
        <legend>Pages</legend>
        <label><input type="radio" name="pages-mode" checked={choosePages} onChange={() => setChoosePages(true)} /> Choose for me</label>
        <label><input type="radio" name="pages-mode" checked={!choosePages} onChange={() => setChoosePages(false)} /> I will list them</label>
      </fieldset>
      {!choosePages ? (
        <TextField label="The pages you want" name="pages" required value={pagesText} onChange={(e) => setPagesText(e.target.value)}
          hint="Up to seven, separated by commas: about, lessons, prices, contact." />
      ) : null}
      <div className="form-actions">
        <Button type="submit" busy={plan.isPending} busyLabel="Planning the site…">Plan my site</Button>
        <span className="muted">Planning is free.</span>
      </div>
    </form>
  );
}

type Step =
  | { name: "brief" }
  | { name: "plan"; brief: BriefIn; planned: PlanOut }
  | { name: "write"; brief: BriefIn; plan: SitePlan; job: GenerationOut };

export function NewSite() {
  const state = useSession();
  if (state.kind === "tenant" && state.role === "VIEWER") return <NotForViewers />;
  return <NewSiteSteps />;
}

// The API refuses a viewer's plan and generation; the address says so before a brief is typed.
function NotForViewers() {
  return (
    <>
      <ScreenTitle title="New site from a brief" lead="Describe the business; check the plan and its price; watch the pages being written; publish.">
        New site from a brief
      </ScreenTitle>
      <div className="notice notice-info" role="note">
        <p className="notice-title">Writing a site is for editors and owners</p>
        <p>You are a viewer on this site: you can read its pages, not write new ones. An owner can make you an editor.</p>
      </div>
      <p><Link to="/">Back to the pages</Link></p>
    </>
  );
}

function NewSiteSteps() {
  const [step, setStep] = useState<Step>({ name: "brief" });
  const queries = useQueryClient();
  const generate = useMutation({
    mutationFn: ({ brief, plan }: { brief: BriefIn; plan: SitePlan }) =>
      api.post<GenerationOut>("/api/cms/site-generations", { brief, plan }),
    onSuccess: (job, { brief, plan }) => {
      setStep({ name: "write", brief, plan, job });
      void queries.invalidateQueries({ queryKey: ["pages"] });
    },
  });
  const stage = { brief: 1, plan: 2, write: 3 }[step.name];
  return (
    <>
      <ScreenTitle title="New site from a brief" lead="Describe the business; check the plan and its price; watch the pages being written; publish.">
        New site from a brief
      </ScreenTitle>
      <ol className="steps" aria-label="Steps">
        {["Brief", "Plan", "Write and publish"].map((label, index) => (
          <li key={label} className={index + 1 === stage ? "current" : index + 1 < stage ? "done" : ""}
            aria-current={index + 1 === stage ? "step" : undefined}>
            <span className="step-number" aria-hidden="true">{index + 1}</span>{label}
          </li>
        ))}
      </ol>
      {step.name === "brief" ? <BriefForm onPlanned={(brief, planned) => setStep({ name: "plan", brief, planned })} /> : null}
      {step.name === "plan" ? (
        <>
          <ErrorNotice error={generate.error} title="The site could not be started" />
          <PlanEditor brief={step.brief} planned={step.planned} busy={generate.isPending}
            onBack={() => setStep({ name: "brief" })}
            onGenerate={(plan) => generate.mutate({ brief: step.brief, plan })} />
        </>
      ) : null}
      {step.name === "write" ? <Progress plan={step.plan} started={step.job} /> : null}
    </>
  );
}
