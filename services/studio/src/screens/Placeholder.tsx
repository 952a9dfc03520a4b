// Screens of the shell whose work is still to come: they say what will be here and where
// the platform already offers it.

import { ScreenTitle } from "../ui";

const ABOUT = {
  Media: "Your pictures: uploads with progress, the descriptions and alt text the AI writes, search by meaning and by words.",
  Site: "The theme and brand kit with a live preview, the header and footer, and your own domain.",
  Settings: "Members and invitations, roles, API keys, credits and the shop.",
} as const;

export function Placeholder({ name }: { name: keyof typeof ABOUT }) {
  return (
    <>
      <ScreenTitle title={name} lead={ABOUT[name]}>{name}</ScreenTitle>
      <section className="empty" aria-labelledby="soon-title">
        <h2 id="soon-title">Coming to the studio next</h2>
        <p>This part of the studio is being built. Everything here is already in the platform's API, documented in its guides.</p>
      </section>
    </>
  );
}

export function NotFound() {
  return (
    <>
      <ScreenTitle title="Not found" lead="There is no screen at this address.">Not found</ScreenTitle>
    </>
  );
}
