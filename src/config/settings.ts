/**
 * Settings come from the environment (with `.env` loaded by dotenv) and are overridden by
 * command-line flags. Every flag has an environment name, so one table documents both.
 */
import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log.js';

export type Settings = Readonly<Record<string, string | undefined>>;

/** Variables whose values must never be printed. */
const SECRET_SETTINGS = ['VCO_TOKEN', 'VCO_PASSWORD', 'SIEM_TLS_KEY_PASSPHRASE'] as const;

/**
 * Reads `envFile` (default `.env` in the working directory, when present) without overriding
 * variables already set in the environment, then applies flag overrides (undefined = not given).
 */
export function loadSettings(overrides: Record<string, string | undefined> = {}, envFile?: string): Settings {
  const file = envFile ?? '.env';
  if (envFile !== undefined && !existsSync(envFile)) throw new ConfigError(`--dotenv ${envFile} does not exist: give the path of your settings file (see .env.example)`);
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) loadDotenv({ path: file, processEnv: fromFile, quiet: true });
  const merged: Record<string, string | undefined> = { ...fromFile, ...process.env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  for (const key of SECRET_SETTINGS) registerSecret(merged[key]);
  return merged;
}

/** A setting's value with surrounding whitespace removed; empty counts as unset. */
export function setting(settings: Settings, name: string): string | undefined {
  return secretSetting(settings, name)?.trim() || undefined;
}

/** A password or passphrase as given, not trimmed (it may begin or end with a space); empty counts as unset. */
export function secretSetting(settings: Settings, name: string): string | undefined {
  const value = settings[name];
  return value === '' ? undefined : value;
}
