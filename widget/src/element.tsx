import { Component, render, type ComponentChildren } from 'preact';
import { App } from './app';
import { parseAttrs } from './attrs';
import { pickLocale } from './i18n';
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

export function defineElement(scriptOrigin: string | null): void {
  if (typeof customElements === 'undefined' || customElements.get(TAG)) return;

  class AppointEaseBooking extends HTMLElement {
    static observedAttributes = ['api', 'service', 'employee', 'locale'];
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
        const locale = pickLocale(this.getAttribute('locale'));
        if (locale.fellBack) warn(`locale "${this.getAttribute('locale')}" is not translated; using English`);
        const parsed = parseAttrs((n) => this.getAttribute(n), scriptOrigin);
        const t = locale.messages;
        if (!parsed.ok) {
          parsed.problems.forEach(warn);
          render(<p class="ae ae-error">{t.misconfigured}</p>, this.mount);
          return;
        }
        parsed.warnings.forEach(warn);
        const c = parsed.config;
        render(
          <Boundary text={t.misconfigured}>
            {/* A new key per configuration starts a fresh flow (and releases the old hold). */}
            <App key={`${c.api}|${c.service}|${c.employee}|${locale.tag}`} config={c} locale={locale} />
          </Boundary>,
          this.mount,
        );
      } catch (err) {
        warn(`could not start: ${String(err)}`);
      }
    }
  }

  customElements.define(TAG, AppointEaseBooking);
}
