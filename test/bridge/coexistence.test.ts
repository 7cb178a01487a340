// The bridge can run beside the original AppointEase plugin (a site switching has both for a
// while): every global name the bridge declares or claims — class, function, constant,
// option, transient, hook it owns, REST namespace, script handle, shortcode, block, menu
// slug — differs from the original's, case-insensitively (PHP class and function names
// ignore case: the original's AppointEase_Config once collided with our Appointease_Config).
// The only shared names are deliberate: CONTRACT §10's menu slug `appointease` (taken over
// while both are active) and the original's booking block (rendered by the bridge once the
// original is gone); see Appointease_Bridge_Takeover. Then both are activated in one real
// WordPress, in either order.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGIN_DIR, REPO_ROOT, WordPress, findOriginalPlugin, missingPrerequisite, originalPluginCandidates } from './wordpress.js';

type Names = Record<
  'classes' | 'functions' | 'constants' | 'options' | 'transients' | 'hooks' | 'rest' | 'handles' | 'shortcodes' | 'blocks' | 'menus',
  string[]
>;

const original = findOriginalPlugin();
const prerequisite = missingPrerequisite();

function globalNames(dir: string): Names {
  const result = spawnSync('php', [join(REPO_ROOT, 'test/bridge/fixtures/global-names.php'), dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`global-names.php failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Names;
}

/** WordPress's own options, which any plugin may read. */
const CORE_OPTIONS = new Set(['admin_email', 'date_format', 'time_format', 'active_plugins', 'start_of_week']);
/**
 * Names the bridge shares with the original on purpose: CONTRACT §10's menu slug and
 * shortcode, and the original's booking block, which the bridge renders once the original
 * is deactivated (registered only when nothing else has registered it).
 */
const CONTRACT_SHARED = { menus: ['appointease'], shortcodes: ['appointease'], blocks: ['appointease/booking-form'] } as Partial<Record<keyof Names, string[]>>;

describe('the original AppointEase plugin for the coexistence test', () => {
  it('is found', () => {
    expect(original, `not found in ${originalPluginCandidates().join(', ')}; set APPOINTEASE_ORIGINAL_PLUGIN`).not.toBeNull();
  });
});

describe.skipIf(!original || !!prerequisite)('names of the bridge and the original plugin', () => {
  const ours = globalNames(PLUGIN_DIR);
  const theirs = original ? globalNames(original) : ({} as Names);

  it('the scan sees both plugins (so an empty result cannot pass for "distinct")', () => {
    expect(ours.classes).toContain('Appointease_Bridge_Config');
    expect(ours.options).toContain('appointease_bridge_settings');
    expect(ours.rest).toEqual(['appointease-bridge/v1']);
    expect(ours.handles).toContain('appointease-bridge-admin');
    expect(theirs.classes).toContain('AppointEase_Config');
    expect(theirs.options).toContain('appointease_options');
    expect(theirs.rest).toEqual(['appointease/v1', 'booking/v1']);
    expect(theirs.handles).toContain('appointease-admin');
    expect(theirs.menus).toContain('appointease-services');
  });

  it('every name the bridge owns carries its prefix, apart from the contract’s and WordPress’s own', () => {
    const foreign: string[] = [];
    for (const [kind, names] of Object.entries(ours) as [keyof Names, string[]][]) {
      for (const name of names) {
        if (/^appointease[_-]bridge/i.test(name) || CONTRACT_SHARED[kind]?.includes(name) || (kind === 'options' && CORE_OPTIONS.has(name))) continue;
        foreign.push(`${kind}: ${name}`);
      }
    }
    expect(foreign).toEqual([]);
  });

  it('no name is shared with the original, case-insensitively, but the deliberate ones', () => {
    const shared: string[] = [];
    for (const kind of Object.keys(ours) as (keyof Names)[]) {
      const mine = new Set(ours[kind].map((n) => n.toLowerCase()));
      for (const name of theirs[kind]) {
        const lower = name.toLowerCase();
        if (!mine.has(lower) || CONTRACT_SHARED[kind]?.includes(lower) || (kind === 'options' && CORE_OPTIONS.has(lower))) continue;
        shared.push(`${kind}: ${name}`);
      }
    }
    expect(shared).toEqual([]);
    // And the original never uses our prefix, so future names of ours stay clear of it.
    expect(
      Object.values(theirs)
        .flat()
        .filter((n) => /^appointease[_-]bridge/i.test(n)),
    ).toEqual([]);
  });
});

describe.skipIf(!original || !!prerequisite)('both plugins active in one WordPress', () => {
  let wp: WordPress;
  const activate = (plugin: string) =>
    wp
      .php(
        `require_once ABSPATH . 'wp-admin/includes/plugin.php'; $r = activate_plugin( '${plugin}' ); echo is_wp_error( $r ) ? $r->get_error_message() : 'ok';`,
      )
      .trim();
  const deactivateAll = () =>
    wp.php(
      `require_once ABSPATH . 'wp-admin/includes/plugin.php'; deactivate_plugins( array( 'appointease-bridge/appointease-bridge.php', 'appointease/booking-plugin.php' ) );`,
    );
  const active = () => wp.phpJson<string[]>(`echo wp_json_encode( get_option( 'active_plugins' ) );`).sort();

  beforeAll(async () => {
    wp = await WordPress.create({ label: 'coexist', activate: false, originalPlugin: original! });
    await wp.serve();
  }, 60_000);
  afterAll(async () => wp?.destroy());

  for (const order of [
    ['appointease/booking-plugin.php', 'appointease-bridge/appointease-bridge.php'],
    ['appointease-bridge/appointease-bridge.php', 'appointease/booking-plugin.php'],
  ]) {
    it(`activates ${order[0]} then ${order[1]}; the site and wp-admin still answer`, async () => {
      deactivateAll();
      expect(activate(order[0]!)).toBe('ok');
      expect(activate(order[1]!)).toBe('ok');
      expect(active()).toEqual(['appointease-bridge/appointease-bridge.php', 'appointease/booking-plugin.php']);
      expect((await fetch(`${wp.url}/`)).status).toBe(200);
      const cookie = await wp.login('admin', 'admin-pass');
      const admin = await fetch(`${wp.url}/wp-admin/admin.php?page=appointease`, { headers: { cookie } });
      expect(admin.status).toBe(200);
      const html = await admin.text();
      expect(html).toContain('appointease-takeover-notice');
      expect(html.match(/id="toplevel_page_appointease"/g)).toHaveLength(1);
    }, 60_000);
  }

  it('logged no PHP warning or notice from the bridge', () => {
    expect(wp.pluginWarnings()).toEqual([]);
  });
});
