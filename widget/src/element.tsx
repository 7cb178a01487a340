import { Component, render, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { App } from './app';
import { parseAttrs, type ParsedAttrs } from './attrs';
import { englishFallback, messagesFor, pickLocale, type LocaleChoice, type LocaleRequest } from './i18n';
import { translationLoader, type LoadTranslation } from './i18n/load';
import css from './styles.css?inline';

const TAG = 'appointease-booking';
const warn = (msg: string) => console.warn(`[${TAG}] ${msg}`);

/** Anything thrown while rendering stays inside the widget as a friendly message. */
class Boundary extends Component<{ text: string; children?: ComponentChildren }, { failed: boolean }> {
  override state = { failed: false };
  override componentDidCatch(err: unknown) {
    warn(`unexpected error: ${String(err)}`);
    this.setState({ failed: true });
  }
  override render() {
    return this.state.failed ? <p class="ae ae-error">{this.props.text}</p> : this.props.children;
  }
}

/** The request's strings: English at once, another language once its file is loaded (English if it cannot be). */
function useLocale(req: LocaleRequest, apiBase: string | null, load: LoadTranslation): LocaleChoice | null {
  const english = req.lang === 'en';
  const [locale, setLocale] = useState<LocaleChoice | null>(() => (english ? { ...req, messages: messagesFor(req) } : null));
  useEffect(() => {
    if (english) {
      setLocale((cur) => (cur?.tag === req.tag ? cur : { ...req, messages: messagesFor(req) }));
      return;
    }
    let current = true;
    setLocale(null);
    load(req.lang, apiBase).then(
      (translation) => current && setLocale({ ...req, messages: messagesFor(req, translation) }),
      (err) => {
        warn(`could not load the ${req.lang} strings (${String(err)}); using English`);
        if (current) setLocale(englishFallback(req));
      },
    );
    return () => {
      current = false;
    };
  }, [req.tag, apiBase]);
  return locale;
}

function Widget({ req, parsed, load }: { req: LocaleRequest; parsed: ParsedAttrs; load: LoadTranslation }) {
  const locale = useLocale(req, parsed.ok ? parsed.config.api : null, load);
  if (!locale) return <div class="ae" lang={req.tag} dir={req.dir} aria-busy="true" />;
  const t = locale.messages;
  if (!parsed.ok) {
    return (
      <p class="ae ae-error" lang={locale.tag} dir={locale.dir}>
        {t.misconfigured}
      </p>
    );
  }
  const c = parsed.config;
  return (
    <Boundary text={t.misconfigured}>
      {/* A new key per configuration starts a fresh flow (and releases the old hold). */}
      <App key={`${c.api}|${c.service}|${c.employee}|${locale.tag}|${c.view}|${c.email}`} config={c} locale={locale} />
    </Boundary>
  );
}

export interface ElementOptions {
  /** Where the widget's translation files are (`…/appointease/v1/widget/`), from the script's own address. */
  translationBase?: string | null;
  /** Instead of fetching translation files (tests). */
  loadTranslation?: LoadTranslation;
}

export function defineElement(scriptOrigin: string | null, options: ElementOptions = {}): void {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;
  const load = options.loadTranslation ?? translationLoader(options.translationBase ?? null);

  class AppointEaseBooking extends HTMLElement {
    static observedAttributes = ['api', 'service', 'employee', 'locale', 'view', 'email'];
    private mount: HTMLElement | null = null;
    private scheduled = false;

    connectedCallback() {
      this.update();
    }

    disconnectedCallback() {
      // Unmounting runs the App's clean-up: the socket closes and any hold is released.
      if (this.mount) render(null, this.mount);
    }

    attributeChangedCallback() {
      if (!this.isConnected || this.scheduled) return;
      // Batch several attribute changes (a framework setting all four) into one render.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.update();
      });
    }

    private update() {
      try {
        if (!this.mount) {
          const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
          const style = document.createElement('style');
          style.textContent = css;
          this.mount = document.createElement('div');
          root.append(style, this.mount);
        }
        const req = pickLocale(this.getAttribute('locale'));
        if (req.fellBack) warn(`locale "${this.getAttribute('locale')}" is not translated; using English`);
        const parsed = parseAttrs((n) => this.getAttribute(n), scriptOrigin);
        if (!parsed.ok) parsed.problems.forEach(warn);
        else parsed.warnings.forEach(warn);
        render(<Widget req={req} parsed={parsed} load={load} />, this.mount);
      } catch (err) {
        warn(`could not start: ${String(err)}`);
      }
    }
  }

  customElements.define(TAG, AppointEaseBooking);
}
