#!/usr/bin/env node
// The JSON Schema peer of anzen's fleet benchmark (issue 18, scripts/bench.sh).
//
// Checks six of anzen's rules (BAK-002, BAK-004, BAK-005, NET-003, USB-001,
// PAT-001) over a fleet made by examples/genfleet.rs with ajv, the way a
// competent user of JSON Schema would: it reads only the documents those
// rules look at (each facility's backups.yaml, assets.yaml, network.yaml, and
// facility.yaml for the scope question: with
// `uses_medical_information_systems: false` none of the six applies), parses
// them with js-yaml (core schema: dates stay strings, as in anzen), validates
// every listed item against the rule's schema (schemas/<RULE>.json, compiled
// once) and prints the number of violations per rule.
//
//   node check.js DIR [--as-of YYYY-MM-DD] [--jobs N]
//                     [--patch-max-age-days 90] [--min-backup-generations 3]
//
// Output: one line per rule, "RULE COUNT", then a "facilities N" line.
// --jobs N splits the facilities over N worker threads (default 1).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const yaml = require('js-yaml');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const RULES = [
    // rule, file, kind, list of items the schema is checked against
    ['BAK-002', 'backups.yaml', 'BackupPlan', 'backups'],
    ['BAK-004', 'backups.yaml', 'BackupPlan', 'backups'],
    ['BAK-005', 'backups.yaml', 'BackupPlan', 'backups'],
    ['NET-003', 'network.yaml', 'NetworkMap', 'external_connections'],
    ['USB-001', 'assets.yaml', 'AssetLedger', 'assets'],
    ['PAT-001', 'assets.yaml', 'AssetLedger', 'assets'],
];

function usage(msg) {
    process.stderr.write(`ajv-peer: ${msg}\nusage: node check.js DIR [--as-of YYYY-MM-DD] [--jobs N] [--patch-max-age-days N] [--min-backup-generations N]\n`);
    process.exit(2);
}

function parseArgs(argv) {
    const a = { dir: null, asOf: null, jobs: 1, patchMaxAgeDays: 90, minBackupGenerations: 3 };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) usage(`${arg} needs a value`);
            return argv[++i];
        };
        const int = (v) => {
            if (!/^[0-9]+$/.test(v)) usage(`${arg}: not a number: ${v}`);
            return Number(v);
        };
        switch (arg) {
            case '--as-of': a.asOf = value(); break;
            case '--jobs': a.jobs = Math.max(1, int(value())); break;
            case '--patch-max-age-days': a.patchMaxAgeDays = int(value()); break;
            case '--min-backup-generations': a.minBackupGenerations = int(value()); break;
            default:
                if (arg.startsWith('-') || a.dir !== null) usage(`unexpected argument: ${arg}`);
                a.dir = arg;
        }
    }
    if (a.dir === null) usage('no fleet directory');
    if (a.asOf === null) a.asOf = new Date().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(a.asOf) || Number.isNaN(Date.parse(`${a.asOf}T00:00:00Z`))) {
        usage(`--as-of: not a date: ${a.asOf}`);
    }
    return a;
}

// as_of minus N days, as YYYY-MM-DD: anzen's within_days(d, N) is d >= this.
function cutoff(asOf, days) {
    const t = Date.parse(`${asOf}T00:00:00Z`) - days * 86400000;
    return new Date(t).toISOString().slice(0, 10);
}

// Schemas carry their parameters as "{{name}}" strings.
function instantiate(node, params) {
    if (typeof node === 'string') {
        const m = /^\{\{(\w+)\}\}$/.exec(node);
        if (!m) return node;
        if (!(m[1] in params)) throw new Error(`schema parameter ${m[1]} unknown`);
        return params[m[1]];
    }
    if (Array.isArray(node)) return node.map((n) => instantiate(n, params));
    if (node !== null && typeof node === 'object') {
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, instantiate(v, params)]));
    }
    return node;
}

function compile(params) {
    const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false });
    addFormats(ajv, { formats: ['date'], keywords: true });
    return RULES.map(([rule, file, kind, list]) => {
        const text = fs.readFileSync(path.join(__dirname, 'schemas', `${rule}.json`), 'utf8');
        const validate = ajv.compile(instantiate(JSON.parse(text), params));
        return { rule, file, kind, list, validate };
    });
}

// Facility directories: every directory holding a facility.yaml, in name order.
function facilities(dir) {
    const out = [];
    const walk = (d) => {
        const entries = fs.readdirSync(d, { withFileTypes: true });
        entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
        if (entries.some((e) => e.isFile() && e.name === 'facility.yaml')) out.push(d);
        for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(dir);
    return out;
}

function load(file) {
    let text;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch (e) {
        if (e.code === 'ENOENT') return null; // the generator leaves some documents out
        throw e;
    }
    return yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
}

function check(dirs, params) {
    const rules = compile(params);
    const counts = Object.fromEntries(rules.map((r) => [r.rule, 0]));
    for (const dir of dirs) {
        const facility = load(path.join(dir, 'facility.yaml'));
        if (facility && facility.uses_medical_information_systems === false) continue;
        const docs = new Map();
        for (const r of rules) {
            if (!docs.has(r.file)) docs.set(r.file, load(path.join(dir, r.file)));
            const doc = docs.get(r.file);
            if (!doc || doc.kind !== r.kind || !Array.isArray(doc[r.list])) continue;
            for (const item of doc[r.list]) {
                if (item !== null && typeof item === 'object' && !r.validate(item)) counts[r.rule]++;
            }
        }
    }
    return counts;
}

function print(counts, n) {
    const lines = RULES.map(([rule]) => `${rule} ${counts[rule]}`);
    lines.push(`facilities ${n}`);
    process.stdout.write(`${lines.join('\n')}\n`);
}

if (!isMainThread) {
    parentPort.postMessage(check(workerData.dirs, workerData.params));
} else {
    const a = parseArgs(process.argv.slice(2));
    const params = {
        min_backup_generations: a.minBackupGenerations,
        patch_cutoff: cutoff(a.asOf, a.patchMaxAgeDays),
    };
    let dirs;
    try {
        dirs = facilities(a.dir);
    } catch (e) {
        usage(`cannot read ${a.dir}: ${e.message}`);
    }
    if (a.jobs === 1) {
        print(check(dirs, params), dirs.length);
    } else {
        // Round-robin, so large and small ledgers spread evenly.
        const parts = Array.from({ length: a.jobs }, (_, j) => dirs.filter((_, i) => i % a.jobs === j));
        const runs = parts.map((part) => new Promise((resolve, reject) => {
            const w = new Worker(__filename, { workerData: { dirs: part, params } });
            w.once('message', resolve);
            w.once('error', reject);
        }));
        Promise.all(runs).then((results) => {
            const total = Object.fromEntries(RULES.map(([rule]) => [rule, 0]));
            for (const c of results) for (const rule of Object.keys(total)) total[rule] += c[rule];
            print(total, dirs.length);
        }, (e) => {
            process.stderr.write(`ajv-peer: ${e.stack || e}\n`);
            process.exit(2);
        });
    }
}
