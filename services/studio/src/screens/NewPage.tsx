// One new page from a brief: what the page is for (the site's name and the facts of its own
// brief go with it: cms adds them), its price before anything is spent (the estimate follows
// every change, with the wallet's available credits), then the page planned and written
// section by section as the stream reports it, what it was charged, and the editor on the draft.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import { serverEvents } from "../api/events";
import { ApiError } from "../api/problem";
import type { components } from "../api/schema";
import { useSession } from "../api/session";
import type { EstimateOut, GenerationOut, PlannedPage, Role } from "../api/types";
import { asSlug } from "../editor/PageActions";
import { Button, ErrorNotice, ScreenTitle, SelectField, TextArea, TextField } from "../ui";
import { credits, Estimate, ShortOfCredits, useDebounced } from "./Estimate";
import { COMPONENT_WORDS } from "./PlanEditor";
import { headlineOf } from "./Progress";
import "./new-page.css";

interface GenerationIn { prompt: string; slug: string | null; tone: string; language: string }
/** A page job as this screen reads it: the plan (once made) names the sections to come. */
interface PageJob extends Omit<GenerationOut, "status"> {
  status: string;
  page_id: string | null;
  plan: { pages: PlannedPage[] } | null;
}

type Schemas = components["schemas"];
type Unknown<Client, Server> = Exclude<keyof Client, keyof Server>;
type None<Fields extends never> = Fields;
export type NewPageContract = [None<Unknown<GenerationIn, Schemas["GenerationIn"]>>, None<Unknown<PageJob, Schemas["GenerationOut"]>>];

const LANGUAGES = [["en", "English"], ["fr", "Français"], ["de", "Deutsch"], ["es", "Español"]] as const;
const TONES = ["warm", "professional", "friendly", "calm", "playful", "confident", "plain"] as const;

interface Brief { prompt: string; address: string; tone: string; language: string }
const NO_BRIEF: Brief = { prompt: "", address: "", tone: "warm", language: "en" };

function BriefForm({ brief, onBrief, busy, startError, onStart }: {
  brief: Brief; onBrief(brief: Brief): void; busy: boolean; startError: unknown; onStart(body: GenerationIn): void;
}) {
  const { prompt, address, tone, language } = brief;
  const set = (field: keyof Brief) => (event: { target: { value: string } }) => onBrief({ ...brief, [field]: event.target.value });
  const body: GenerationIn = { prompt: prompt.trim(), slug: address.trim() ? asSlug(address) : null, tone, language };
  const key = JSON.stringify(body);
  const asked = useDebounced(key, 500);
  const estimate = useQuery({
    queryKey: ["page-estimate", asked],
    queryFn: () => api.post<EstimateOut>("/api/cms/generations/estimate", JSON.parse(asked) as GenerationIn),
    enabled: (JSON.parse(asked) as GenerationIn).prompt.length >= 3,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const settled = asked === key && body.prompt.length >= 3 && estimate.isSuccess && !estimate.isFetching && !estimate.isPlaceholderData;
  const refused = startError instanceof ApiError && startError.status === 402 ? startError.problem : null;
  const price = refused?.extensions as { price?: number; available?: number } | undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (settled && estimate.data.fits) onStart(body);
  };
  return (
    <form className="plan-layout new-page-layout" onSubmit={submit} aria-label="The page's brief">
      <div className="plan-main">
        <section className="card form-card page-brief" aria-labelledby="page-brief-title">
          <h2 id="page-brief-title">The page</h2>
          <p className="muted">The page is written with what the site already knows: its name and the facts of the brief it was made from. Nothing else is stated as a fact.</p>
          <TextArea label="What the page is for" required minLength={3} maxLength={4000} rows={6} value={prompt}
            onChange={set("prompt")}
            hint="Who it is for and what it should say: a page about our summer workshops, their dates and prices, with a way to book." />
          <TextField label="Address" className="mono" value={address} onChange={set("address")}
            hint={address.trim() ? `Saved as ${asSlug(address)}; a taken address gets a number.` : "Empty: chosen from the page's title."}
            error={startError instanceof ApiError ? startError.fieldMessage("slug") : undefined} />
          <div className="field-row">
            <SelectField label="Tone" value={tone} onChange={set("tone")}>
              {TONES.map((t) => <option key={t} value={t}>{t[0]!.toUpperCase() + t.slice(1)}</option>)}
            </SelectField>
            <SelectField label="Language" value={language} onChange={set("language")}>
              {LANGUAGES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
            </SelectField>
          </div>
        </section>
      </div>
      <aside className="plan-side" aria-label="Price and actions">
        <Estimate estimate={body.prompt.length >= 3 ? estimate.data : undefined} updating={estimate.isFetching} what="this page"
          empty="Say what the page is for: its price appears here before anything is spent." />
        <ErrorNotice error={estimate.error} title="This brief cannot be written as it is" />
        {refused ? <ShortOfCredits what="this page" needed={price?.price ?? 0} available={price?.available ?? 0} />
          : <ErrorNotice error={startError} title="The page could not be started" />}
        <div className="side-actions">
          <Button type="submit" busy={busy} busyLabel="Starting…" disabled={!settled || !estimate.data?.fits}>
            Generate the page
          </Button>
          <Link className="btn btn-quiet" to="/">Back to the pages</Link>
        </div>
      </aside>
    </form>
  );
}

interface Written { job: PageJob; sections: Record<number, string>; streamError: unknown }
type Action = { kind: "event"; name: string; job: PageJob } | { kind: "error"; error: unknown };

function reduce(state: Written, action: Action): Written {
  if (action.kind === "error") return { ...state, streamError: action.error };
  const { job, name } = action;
  const last = job.history[job.history.length - 1];
  if (name === "section" && last?.index !== undefined) {
    return { ...state, job, sections: { ...state.sections, [last.index]: headlineOf(last.node) || "Written" } };
  }
  return { ...state, job };
}

const STATUS_WORDS: Record<string, string> = {
  queued: "Waiting to start…", reserved: "Credits reserved. Starting…", planning: "Planning the page…",
  generating: "Writing the sections…", validating: "Checking the page…",
  saved: "The page is written and saved as a draft.", failed: "The page could not be written.",
};

function PageProgress({ started, onAgain }: { started: PageJob; onAgain(): void }) {
  const [state, dispatch] = useReducer(reduce, { job: started, sections: {}, streamError: null });
  const queries = useQueryClient();
  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      try {
        for await (const message of serverEvents(started.events_url, stop.signal)) {
          dispatch({ kind: "event", name: message.event, job: JSON.parse(message.data) as PageJob });
        }
      } catch (error) {
        if (!stop.signal.aborted) dispatch({ kind: "error", error });
      }
    })();
    return () => stop.abort();
  }, [started.events_url]);
  const { job } = state;
  const saved = job.status === "saved";
  useEffect(() => {
    if (saved) void queries.invalidateQueries({ queryKey: ["pages"] });
  }, [saved, queries]);
  const page = job.plan?.pages[0];
  const planned = page?.sections ?? [];
  const written = Object.keys(state.sections).length;
  const total = Math.max(planned.length, written);
  const finished = saved || job.status === "failed";
  return (
    <div className="progress-layout">
      <section className="card progress-head" aria-labelledby="progress-title">
        <h2 id="progress-title">{saved ? `${page?.title ?? "The page"} is written` : page ? `Writing ${page.title}` : "Writing the page"}</h2>
        <p role="status" className={`status status-${job.status}`}>{STATUS_WORDS[job.status] ?? job.status}</p>
        <progress max={total || 1} value={saved ? total || 1 : written} aria-label="Sections written">{written} of {total}</progress>
        <p className="muted">{total ? `${saved ? total : written} of ${total} sections · ` : ""}
          {job.credits !== null ? `${credits(job.credits)} charged (${credits(job.max_credits)} were reserved)` : `up to ${credits(job.max_credits)} reserved`}</p>
        {job.status === "failed" ? (
          <>
            <p className="notice notice-error" role="alert">{job.reason ?? "The writing failed."} Nothing was charged.</p>
            <p className="actions"><Button type="button" variant="secondary" onClick={onAgain}>Change the brief and try again</Button></p>
          </>
        ) : null}
        <ErrorNotice error={state.streamError} title="The progress stopped arriving" />
        {saved && job.page_id ? (
          <p className="actions">
            <Link className="btn btn-primary" to={`/pages/${job.page_id}`} autoFocus>Open the editor<span className="visually-hidden"> on {page?.title ?? "the new page"}</span></Link>
            {page ? <span className="muted">A draft at <span className="mono">{page.slug}</span>: visitors see it once you publish it.</span> : null}
          </p>
        ) : null}
      </section>
      {planned.length ? (
        <section className="card progress-page" aria-labelledby="sections-title">
          <h3 id="sections-title">{page?.title} <span className="mono muted">{page?.slug}</span></h3>
          <ol className="progress-sections">
            {planned.map((section, index) => {
              const words = state.sections[index];
              return (
                <li key={index} className={words ? "section-done" : "section-waiting"}>
                  <span className="section-mark" aria-hidden="true">{words ? "✓" : ""}</span>
                  <span className="section-kind">{COMPONENT_WORDS[section.component] ?? section.component}</span>
                  <span className="section-words">{words ?? (finished ? "—" : "Waiting…")}</span>
                </li>
              );
            })}
          </ol>
        </section>
      ) : null}
    </div>
  );
}

export function NewPage() {
  const session = useSession();
  const role: Role = session.kind === "tenant" ? session.role : "VIEWER";
  const [brief, setBrief] = useState<Brief>(NO_BRIEF);
  const [job, setJob] = useState<PageJob | null>(null);
  const start = useMutation({
    mutationFn: (body: GenerationIn) => api.post<PageJob>("/api/cms/generations", body),
    onSuccess: setJob,
  });
  return (
    <>
      <ScreenTitle title="New page from a brief" lead="Say what the page is for; check its price; watch it being written; then edit and publish it.">
        New page from a brief
      </ScreenTitle>
      {role === "VIEWER" ? (
        <div className="notice notice-info" role="status">
          <p className="notice-title">Your role cannot write pages</p>
          <p>You are a viewer of this site: ask an editor or an owner to write the page. <Link to="/">Back to the pages</Link></p>
        </div>
      ) : job ? <PageProgress started={job} onAgain={() => { setJob(null); start.reset(); }} />
        : <BriefForm brief={brief} onBrief={setBrief} busy={start.isPending} startError={start.error} onStart={(body) => start.mutate(body)} />}
    </>
  );
}
