import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { LocaleChoice, Messages } from './i18n';
import type { DayKey, LiveHandlers, LiveStatus } from './live';
import type { Service, Settings, StaffMember } from './types';

export interface WidgetContext {
  api: Api;
  apiBase: string;
  t: Messages;
  locale: LocaleChoice;
  settings: Settings;
  services: Service[];
  /** Staff of the chosen service; names for summaries. */
  staff: StaffMember[];
  visitorZone: string;
  /** The visitor chose to see times on their own clock ("show in my time"); bookings stay on the business clock. */
  myTime: boolean;
  setMyTime(on: boolean): void;
  /** The sidecar's clock as far as the socket's hello told it (the visitor's may be wrong). */
  now(): number;
  /** Which days this widget watches on its one socket. */
  watch(keys: DayKey[]): void;
  /** Hear live events; returns the unsubscribe function. */
  listen(l: Partial<LiveHandlers>): () => void;
  liveStatus: LiveStatus;
  /** Polite live-region message (slot changes). */
  announce(text: string): void;
  /** True once the visitor acted: only then may a step heading take focus (never on page load). */
  mayFocus(): boolean;
}

export const Ctx = createContext<WidgetContext>(null as unknown as WidgetContext);
export const useWidget = () => useContext(Ctx);
