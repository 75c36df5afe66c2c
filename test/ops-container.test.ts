/**
 * The container and cron files, checked without a Docker engine. The Dockerfile is parsed, and its stages
 * are carried out on a clean copy of the repository (the files git would hand a fresh clone, minus
 * .dockerignore): every COPY source must exist there or in an earlier stage, every RUN must succeed, and
 * the final stage's ENTRYPOINT/CMD/HEALTHCHECK must work with production dependencies only.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, link, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CronTime, validateCronExpression } from 'cron';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_TOKEN, startSimulator } from '../src/simulator/index.js';
import { REPO_ROOT, cleanEnv, runCli } from './support/cli.js';
import { startStreamReceiver } from './support/receivers.js';

const execFileAsync = promisify(execFile);
const repoFile = (name: string): Promise<string> => readFile(path.join(REPO_ROOT, name), 'utf8');

// ---- a small Dockerfile parser ------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  /** --name=value options (COPY --from, HEALTHCHECK --interval, RUN --mount ...). */
  flags: Record<string, string>;
  /** Exec form: the JSON array. Shell form: whitespace-split words for COPY/FROM/VOLUME/ENV/ARG, else one string. */
  args: string[];
  execForm: boolean;
  line: number;
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

const SPLIT_WORDS = new Set(['FROM', 'COPY', 'ADD', 'VOLUME', 'ENV', 'ARG', 'USER', 'WORKDIR', 'EXPOSE']);

function parseInstruction(keyword: string, rest: string, line: number): Instruction {
  const flags: Record<string, string> = {};
  let body = rest.trim();
  for (let m = /^--([a-z-]+)=(\S+)\s*/.exec(body); m; m = /^--([a-z-]+)=(\S+)\s*/.exec(body)) {
    flags[m[1]!] = m[2]!;
    body = body.slice(m[0].length);
  }
  if (body.startsWith('[')) return { keyword, flags, args: JSON.parse(body) as string[], execForm: true, line };
  return { keyword, flags, args: SPLIT_WORDS.has(keyword) ? body.split(/\s+/) : [body], execForm: false, line };
}

/** Lines joined at trailing backslashes, comments and blank lines dropped, one Instruction per statement. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let statement = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (line.trim() === '' && statement === '')) return;
    if (statement === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      statement += `${line.slice(0, -1)} `;
      return;
    }
    statement += line;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(statement);
    assert.ok(m, `Dockerfile line ${startLine}: cannot parse ${JSON.stringify(statement)}`);
    statement = '';
    const instruction = parseInstruction(m[1]!.toUpperCase(), m[2]!, startLine);
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args;
      stages.push({ image: image!, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else {
      assert.ok(stages.length > 0, `Dockerfile line ${startLine}: ${instruction.keyword} before FROM`);
      stages.at(-1)!.instructions.push(instruction);
    }
  });
  return stages;
}

const all = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction | undefined => all(stage, keyword).at(-1);

/** The HEALTHCHECK's CMD, exec form. */
function healthCheckCommand(stage: Stage): string[] {
  const health = last(stage, 'HEALTHCHECK');
  assert.ok(health, 'HEALTHCHECK present');
  const cmd = /^CMD\s+(\[.*\])$/.exec(health.args[0]!);
  assert.ok(cmd, `HEALTHCHECK CMD in exec form: ${health.args[0]}`);
  return JSON.parse(cmd[1]!) as string[];
}

/** An image command line run here: `node` is this Node. */
const imageCommand = (argv: string[]): string[] => (argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv);

/** Runs an image command line in `cwd`; resolves with the exit code whatever it is. */
async function runImage(argv: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const [exe, ...args] = imageCommand(argv);
  try {
    const { stdout, stderr } = await execFileAsync(exe!, args, { cwd, env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** KEY=VALUE pairs of ENV/ARG instructions. */
function assignments(stage: Stage, keyword: 'ENV' | 'ARG'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { args } of all(stage, keyword)) {
    for (const word of args) {
      const eq = word.indexOf('=');
      out[eq === -1 ? word : word.slice(0, eq)] = eq === -1 ? '' : word.slice(eq + 1);
    }
  }
  return out;
}

// ---- .dockerignore (Docker's rules: patterns from the context root, `*` within one segment, `**` any
// depth, `!` re-includes, the last matching pattern wins, an excluded directory excludes its content) -------

function dockerignoreMatcher(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/$/, '');
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) => (part === '**/' || part === '**' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { negate, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (file) => rules.reduce((excluded, rule) => (rule.regex.test(file) ? !rule.negate : excluded), false);
}

/** The build context a fresh clone would send: tracked and untracked-but-not-ignored files, minus .dockerignore. */
async function cleanContext(into: string): Promise<string[]> {
  const { stdout } = await execFileAsync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 16 << 20 });
  const ignored = dockerignoreMatcher(await repoFile('.dockerignore'));
  const files = [...new Set(stdout.split('\0').filter((f) => f !== ''))].filter((f) => !ignored(f));
  const copied: string[] = [];
  for (const file of files) {
    const source = path.join(REPO_ROOT, file);
    if (!(await stat(source).catch(() => undefined))?.isFile()) continue; // tracked but deleted in the work tree
    await mkdir(path.dirname(path.join(into, file)), { recursive: true });
    await cp(source, path.join(into, file));
    copied.push(file);
  }
  return copied;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

// ---- carrying out the stages ----------------------------------------------------------------------------

interface BuiltStage {
  dir: string;
  workdir: string;
  env: Record<string, string>;
  /** RUN commands that touch absolute paths outside WORKDIR (root-only setup such as the /data mount point). */
  skipped: string[];
}

/**
 * A private npm cache for the stages' RUN commands, made from this machine's: they end with `npm cache clean
 * --force`, which must not wipe the user's cache (nor pull it from under another npm running meanwhile).
 * The content files are written once and never changed, so they are hard-linked (copied across file systems);
 * the index files, which npm appends to, are copied; npm's tmp/ is left out. Whatever cannot be copied (an npm
 * running meanwhile moves files) npm fetches from the registry.
 */
async function privateNpmCache(root: string): Promise<string> {
  const cache = path.join(root, 'npm-cache');
  const { stdout } = await execFileAsync('npm', ['config', 'get', 'cache'], { env: { ...process.env, npm_config_update_notifier: 'false' } });
  const shared = path.join(stdout.trim(), '_cacache');
  await cp(path.join(shared, 'index-v5'), path.join(cache, '_cacache', 'index-v5'), { recursive: true }).catch(() => undefined);
  const content = path.join(shared, 'content-v2');
  for (const file of existsSync(content) ? await walk(content) : []) {
    const target = path.join(cache, '_cacache', 'content-v2', file);
    await mkdir(path.dirname(target), { recursive: true });
    await link(path.join(content, file), target)
      .catch(() => copyFile(path.join(content, file), target))
      .catch(() => undefined);
  }
  return cache;
}

/**
 * Carries out each stage in its own directory standing for WORKDIR: COPY from the context or an earlier
 * stage (the source must exist), RUN with `sh -c` (npm works from a private copy of its cache). Commands that
 * need the image's file system outside WORKDIR cannot run here and are returned as skipped.
 */
async function buildStages(stages: Stage[], context: string, root: string): Promise<BuiltStage[]> {
  const npmCache = await privateNpmCache(root);
  const built: BuiltStage[] = [];
  for (const [index, stage] of stages.entries()) {
    const current: BuiltStage = { dir: path.join(root, `stage-${index}`), workdir: '/', env: {}, skipped: [] };
    await mkdir(current.dir, { recursive: true });
    const inStage = (target: BuiltStage, p: string): string => {
      const absolute = path.posix.resolve(target.workdir, p);
      assert.ok(absolute === target.workdir || absolute.startsWith(`${target.workdir}/`), `${p} is outside WORKDIR ${target.workdir}`);
      return path.join(target.dir, path.posix.relative(target.workdir, absolute));
    };
    for (const instruction of stage.instructions) {
      const where = `Dockerfile line ${instruction.line}`;
      if (instruction.keyword === 'WORKDIR') current.workdir = instruction.args[0]!;
      if (instruction.keyword === 'ENV') Object.assign(current.env, assignments({ ...stage, instructions: [instruction] }, 'ENV'));
      if (instruction.keyword === 'COPY') {
        const sources = instruction.args.slice(0, -1);
        const destination = instruction.args.at(-1)!;
        const fromName = instruction.flags.from;
        const from = fromName === undefined ? undefined : built[stages.findIndex((s) => s.name === fromName)];
        if (fromName !== undefined) assert.ok(from, `${where}: COPY --from=${fromName} names no earlier stage`);
        for (const source of sources) {
          const sourcePath = from ? inStage(from, source) : path.join(context, source);
          const info = await stat(sourcePath).catch(() => undefined);
          assert.ok(info, `${where}: COPY source ${source} does not exist ${from ? `in stage ${fromName}` : 'in a clean copy of the repo'}`);
          const target = inStage(current, destination);
          const into = info.isFile() && (destination.endsWith('/') || sources.length > 1) ? path.join(target, path.basename(source)) : target;
          await cp(sourcePath, into, { recursive: true });
        }
      }
      if (instruction.keyword === 'RUN') {
        const command = instruction.args.join(' ');
        if (/(^|\s)\//.test(command.replaceAll(current.workdir, '.'))) {
          current.skipped.push(command);
          continue;
        }
        await execFileAsync('sh', ['-c', command], {
          cwd: current.dir,
          env: { ...cleanEnv(current.env), HOME: process.env.HOME ?? root, npm_config_cache: npmCache, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
          maxBuffer: 64 << 20,
        }).catch((error: { stderr?: string; message: string }) => assert.fail(`${where}: RUN ${command} failed: ${error.stderr || error.message}`));
      }
    }
    built.push(current);
  }
  return built;
}

// ---- the tests ------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  let stages: Stage[];
  let final: Stage;
  before(async () => {
    stages = parseDockerfile(await repoFile('Dockerfile'));
    final = stages.at(-1)!;
  });

  test('multi-stage on one pinned Node LTS major; the final stage runs as node with /data as a volume', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const majors = stages.map((s) => Number(/^node:(\d+)-[a-z]+-slim$/.exec(s.image)?.[1]));
    assert.ok(majors.every((m) => m === majors[0]), `one Node major in every stage: ${stages.map((s) => s.image).join(', ')}`);
    assert.ok(majors[0]! >= 22 && majors[0]! % 2 === 0, `an LTS major (even, >= 22): ${majors[0]}`);
    assert.equal(final.name, undefined, 'the last stage is the image');
    const user = last(final, 'USER');
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args[0]!), `final stage USER is not root (got ${user?.args[0]})`);
    assert.equal(user.args[0], 'node');
    assert.deepEqual(last(final, 'VOLUME')?.args, ['/data']);
    assert.equal(assignments(final, 'ENV').DATA_DIR, '/data');
    assert.equal(assignments(final, 'ENV').NODE_OPTIONS, '--max-semi-space-size=4', 'a small young generation (bench/README.md)');
    // Every RUN after USER runs unprivileged; the mount point must be prepared before it.
    const userIndex = final.instructions.indexOf(user);
    assert.ok(final.instructions.slice(userIndex).every((i) => i.keyword !== 'RUN'), 'no RUN after USER node');
    assert.ok(all(final, 'RUN').some((i) => /chown node:node \/data/.test(i.args[0]!)), '/data belongs to node');
  });

  test('ENTRYPOINT is the CLI, CMD the daemon, HEALTHCHECK runs `status` with an interval and a start period', async () => {
    const pkg = JSON.parse(await repoFile('package.json')) as { bin: Record<string, string> };
    const entrypoint = last(final, 'ENTRYPOINT');
    assert.deepEqual(entrypoint?.args, ['node', pkg.bin['vco-siem']]);
    assert.ok(entrypoint.execForm, 'exec form, so SIGTERM reaches node');
    assert.deepEqual(last(final, 'CMD')?.args, ['daemon', '--now']);
    const health = last(final, 'HEALTHCHECK');
    assert.ok(health, 'HEALTHCHECK present');
    assert.deepEqual(healthCheckCommand(final), ['node', pkg.bin['vco-siem'], 'status']);
    assert.ok(health.flags.interval && health.flags['start-period'] && health.flags.timeout, 'interval, timeout and start period set');
  });

  test('no secrets in the image: no ENV/ARG for tokens or passwords, .env never in the build context', async () => {
    for (const stage of stages) {
      const names = [...Object.keys(assignments(stage, 'ENV')), ...Object.keys(assignments(stage, 'ARG'))];
      assert.deepEqual(names.filter((n) => /TOKEN|PASSWORD|SECRET/i.test(n)), [], `stage ${stage.name ?? 'final'}`);
    }
    const copied = stages.flatMap((s) => all(s, 'COPY').filter((i) => i.flags.from === undefined).flatMap((i) => i.args.slice(0, -1)));
    assert.deepEqual(copied.filter((s) => /(^|\/)\.env/.test(s)), [], 'no COPY of .env');
    const ignored = dockerignoreMatcher(await repoFile('.dockerignore'));
    for (const file of ['.env', '.env.production', 'data/ACME-Co-/events.json', 'node_modules/got/package.json', 'dist/src/cli/main.js', 'dist-ops/x.js', '.git/config']) {
      assert.ok(ignored(file), `.dockerignore excludes ${file}`);
    }
    for (const file of ['.env.example', 'src/cli/main.ts', 'scripts/bundle-vendor.mjs', 'package-lock.json', 'mappings/default.json']) assert.ok(!ignored(file), `${file} stays in the context`);
  });

  describe('its stages carried out on a clean copy of the repo', { timeout: 180_000 }, () => {
    let root: string;
    let built: BuiltStage[];
    let image: BuiltStage;
    let dataDir: string;
    const imageEnv = (extra: Record<string, string> = {}): Record<string, string> =>
      cleanEnv({ ...image.env, DATA_DIR: dataDir, ...extra }); // /data stands for a directory of our own here

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'vco-siem-container-'));
      dataDir = path.join(root, 'data');
      await mkdir(dataDir);
      const context = path.join(root, 'context');
      const files = await cleanContext(context);
      assert.ok(files.includes('Dockerfile') && files.includes('package-lock.json'), 'the context holds the repo files');
      built = await buildStages(stages, context, root);
      image = built.at(-1)!;
    });
    after(() => rm(root, { recursive: true, force: true }));

    test('only the /data mount point setup needs the real image file system', () => {
      assert.deepEqual(built.slice(0, -1).flatMap((s) => s.skipped), []);
      assert.ok(image.skipped.every((command) => [...command.matchAll(/(?:^|\s)(\/\S*)/g)].every((m) => m[1] === '/data')), image.skipped.join('\n'));
    });

    test('the final stage holds the compiled CLI, mappings and production dependencies only', async () => {
      const files = await walk(image.dir);
      assert.ok(files.includes('dist/src/cli/main.js') && files.includes('mappings/default.json'));
      assert.deepEqual(files.filter((f) => f.startsWith('dist/test') || /\.test\.js(\.map)?$/.test(f) || f.startsWith('src/')), []);
      assert.deepEqual(files.filter((f) => path.basename(f) === '.env'), [], 'no .env');
      const pkg = JSON.parse(await readFile(path.join(image.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
      const installed = new Set(await readdir(path.join(image.dir, 'node_modules')));
      for (const dep of Object.keys(pkg.dependencies)) assert.ok(installed.has(dep), `dependency ${dep} installed`);
      for (const dep of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(path.join(image.dir, 'node_modules', dep)), `devDependency ${dep} left out`);
    });

    test('ENTRYPOINT --version and `status` before any run: a clear line, exit 1, no crash', async () => {
      const entrypoint = last(final, 'ENTRYPOINT')!.args;
      const version = await runImage([...entrypoint, '--version'], image.dir, imageEnv());
      const pkg = JSON.parse(await repoFile('package.json')) as { version: string };
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout.trim(), pkg.version);

      const status = await runImage([...entrypoint, 'status'], image.dir, imageEnv());
      assert.equal(status.code, 1, status.stderr);
      assert.match(status.stdout, /no run has finished yet/);
      assert.doesNotMatch(status.stderr, /unexpected error|Error:|at .*\.js:\d+/);
    });

    test('ENTRYPOINT + CMD (the daemon) delivers a cycle, stops on SIGTERM with 0; then HEALTHCHECK is healthy', async () => {
      const sim = await startSimulator();
      const receiver = await startStreamReceiver({ framing: 'lf' });
      const nowMs = Date.now();
      sim.generate(1, { count: 500, startMs: nowMs - 30 * 60_000, endMs: nowMs - 60_000 });
      const env = imageEnv({ VCO_HOSTNAME: sim.url, VCO_TOKEN: DEFAULT_TOKEN, VCO_SINCE: '1h', SIEM_HOST: '127.0.0.1', SIEM_PORT: String(receiver.port), SIEM_FORMAT: 'cef' });
      const [exe, ...args] = imageCommand([...last(final, 'ENTRYPOINT')!.args, ...last(final, 'CMD')!.args]);
      const child = spawn(exe!, args, { cwd: image.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      try {
        await receiver.waitFor(() => stderr.includes('"scheduled run finished"'), 30_000, 'the first scheduled run');
        const ids = receiver.frames.map((f) => /externalId=(\S+)/.exec(f)?.[1]);
        assert.deepEqual(ids.sort(), sim.allEvents(1).map((e) => String(e.id)).sort(), 'every event once');
        assert.match(stderr, /"scheduled run finished","exitCode":0/);
        child.kill('SIGTERM');
        assert.equal(await exited, 0, stderr);

        const status = await runImage(healthCheckCommand(final), image.dir, env);
        assert.equal(status.code, 0, status.stdout + status.stderr);
        assert.match(status.stdout, /^healthy$/m);
      } finally {
        child.kill('SIGKILL');
        await receiver.close();
        await sim.close();
      }
    });
  });
});

describe('docker-compose.yml', () => {
  test('one service running the daemon with .env, ./data at /data, a restart policy and a grace period above SHUTDOWN_TIMEOUT', async () => {
    const compose = parseYaml(await repoFile('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
    const services = Object.values(compose.services);
    assert.equal(services.length, 1);
    const service = services[0]!;
    assert.equal(service.build, '.');
    assert.ok((await stat(path.join(REPO_ROOT, 'Dockerfile'))).isFile(), 'build context has a Dockerfile');
    assert.deepEqual([service.env_file].flat(), ['.env']);
    assert.deepEqual((service.volumes as string[]).filter((v) => v.endsWith(':/data')), ['./data:/data']);
    assert.equal(service.restart, 'unless-stopped');
    assert.deepEqual(service.command, ['daemon', '--now']);
    assert.deepEqual(service.environment, { DATA_DIR: '/data' }, 'DATA_DIR from .env.example (./data) must not win inside the container');
    const grace = /^(\d+)s$/.exec(String(service.stop_grace_period));
    assert.ok(grace && Number(grace[1]) > 30, `stop_grace_period ${service.stop_grace_period} leaves SHUTDOWN_TIMEOUT (30s) to finish`);
    assert.equal(typeof service.hostname, 'string', 'a stable host name keeps the run lock recognisable across re-creation');
    assert.ok(service.logging, 'log rotation configured');
  });
});

describe('crontab', () => {
  test('one 5-field line every 15 minutes running `vco-siem run` from the install dir, output to a log', async () => {
    const lines = (await repoFile('crontab')).split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    assert.equal(lines.length, 1, lines.join('\n'));
    const fields = lines[0]!.trim().split(/\s+/);
    const schedule = fields.slice(0, 5).join(' ');
    assert.ok(validateCronExpression(schedule).valid, schedule);
    const next = new CronTime(schedule, 'UTC').sendAt(4).map((d) => d.toMillis());
    assert.deepEqual(next.slice(1).map((t, i) => t - next[i]!), [900_000, 900_000, 900_000], 'every 15 minutes');
    const command = fields.slice(5).join(' ');
    assert.doesNotMatch(command, /%/, '% means newline to cron');
    assert.match(command, /^cd \/\S+ && .*node (--[\w-]+=\S+ )*dist\/src\/cli\/main\.js run >> \S+ 2>&1$/);
    assert.match(await repoFile('crontab'), /crontab -l .*\| *cat - crontab *\| *crontab -/, 'install command in a comment');
  });

  test('the command it names exists: `run` is a command of the built CLI', async () => {
    const pkg = JSON.parse(await repoFile('package.json')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['vco-siem'], 'dist/src/cli/main.js');
    const help = await runCli(['run', '--help'], { env: cleanEnv({}), timeoutMs: 20_000 });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Collect, then forward/);
  });
});
