/**
 * Skills: procedural memory. A program that worked is saved under a name and run again later (by any
 * agent) with a JSON `input`. Stored in the `skills` table (component `code`); saving over a name keeps the
 * replaced version in `skill_versions`.
 */
import { ConflictError, NotFoundError, UserError } from '../../errors/index.js';
import type { Migration, SqlExecutor, Store } from '../../store/index.js';

export const CODE_MIGRATIONS: readonly Migration[] = [
  {
    component: 'code',
    version: 1,
    description: 'skills and their earlier versions',
    async up(tx: SqlExecutor) {
      await tx.exec(`
        create table skills (
          name text primary key,
          description text not null,
          code text not null,
          version integer not null default 1,
          uses integer not null default 0,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          last_used_at timestamptz
        );
        create table skill_versions (
          name text not null,
          version integer not null,
          description text not null,
          code text not null,
          saved_at timestamptz not null,
          primary key (name, version)
        );
      `);
    },
  },
];

export interface SkillSummary {
  name: string;
  description: string;
  /** 1 for a new skill; one more each time it is saved over. */
  version: number;
  /** How many times it was run. */
  uses: number;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | undefined;
}

export interface Skill extends SkillSummary {
  code: string;
}

/** A version that was saved over. */
export interface SkillVersion {
  name: string;
  version: number;
  description: string;
  code: string;
  savedAt: Date;
}

export interface SkillInput {
  name: string;
  description: string;
  code: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const MAX_SKILL_CODE_CHARS = 100_000;
export const MAX_SKILL_DESCRIPTION_CHARS = 2_000;

interface SkillRow {
  name: string;
  description: string;
  code?: string;
  version: number;
  uses: number;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date | null;
}

const SUMMARY_COLUMNS = 'name, description, version, uses, created_at, updated_at, last_used_at';

function toSkill(row: SkillRow & { code: string }): Skill {
  return { ...toSummary(row), code: row.code };
}

function toSummary(row: SkillRow): SkillSummary {
  return {
    name: row.name,
    description: row.description,
    version: row.version,
    uses: row.uses,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at ?? undefined,
  };
}

/** Checks a skill name: a letter, then up to 63 letters, digits, `_` or `-`. */
export function checkSkillName(name: string): void {
  if (!NAME.test(name)) {
    throw new UserError(
      'invalid_input',
      `Skill name "${name}" must start with a letter and have at most 64 letters, digits, "_" or "-".`,
      { data: { field: 'name' } },
    );
  }
}

export class SkillLibrary {
  private constructor(private readonly store: Store) {}

  /** Opens the library on a store, applying the `code` migrations first. */
  static async open(store: Store): Promise<SkillLibrary> {
    await store.migrate(CODE_MIGRATIONS);
    return new SkillLibrary(store);
  }

  /**
   * Saves a skill. A name that exists fails with a `conflict` error unless `overwrite` is set; then the
   * current version moves to `skill_versions` and the skill gets the next version number (keeping its
   * `createdAt` and `uses`).
   */
  async save(skill: SkillInput, options: { overwrite?: boolean } = {}): Promise<Skill> {
    checkSkillName(skill.name);
    if (skill.description.trim() === '' || skill.description.length > MAX_SKILL_DESCRIPTION_CHARS) {
      throw new UserError(
        'invalid_input',
        `A skill needs a description of 1 to ${MAX_SKILL_DESCRIPTION_CHARS} characters.`,
        { data: { field: 'description' } },
      );
    }
    if (skill.code.trim() === '' || skill.code.length > MAX_SKILL_CODE_CHARS) {
      throw new UserError('invalid_input', `A skill needs code of 1 to ${MAX_SKILL_CODE_CHARS} characters.`, {
        data: { field: 'code' },
      });
    }
    return this.store.transaction(async (tx) => {
      const { rows } = await tx.query<{ version: number }>(
        'select version from skills where name = $1 for update',
        [skill.name],
      );
      const current = rows[0];
      if (!current) {
        const inserted = await tx.query<SkillRow & { code: string }>(
          'insert into skills (name, description, code) values ($1, $2, $3) on conflict (name) do nothing returning *',
          [skill.name, skill.description, skill.code],
        );
        const row = inserted.rows[0];
        if (!row)
          throw new ConflictError(`Skill "${skill.name}" was saved by someone else just now; try again.`);
        return toSkill(row);
      }
      if (options.overwrite !== true) {
        throw new UserError(
          'conflict',
          `A skill named "${skill.name}" exists (version ${current.version}); save with overwrite to replace it (the old version is kept).`,
          { data: { name: skill.name, version: current.version } },
        );
      }
      await tx.query(
        `insert into skill_versions (name, version, description, code, saved_at)
         select name, version, description, code, updated_at from skills where name = $1`,
        [skill.name],
      );
      const updated = await tx.query<SkillRow & { code: string }>(
        `update skills set description = $2, code = $3, version = version + 1, updated_at = now()
         where name = $1 returning *`,
        [skill.name, skill.description, skill.code],
      );
      const row = updated.rows[0];
      if (!row)
        throw new ConflictError(`Skill "${skill.name}" was deleted while it was being saved; try again.`);
      return toSkill(row);
    });
  }

  async get(name: string): Promise<Skill | undefined> {
    const { rows } = await this.store.query<SkillRow & { code: string }>(
      'select * from skills where name = $1',
      [name],
    );
    return rows[0] ? toSkill(rows[0]) : undefined;
  }

  /** Like {@link get}, but a missing skill is a `not_found` error. */
  async require(name: string): Promise<Skill> {
    const skill = await this.get(name);
    if (!skill) throw new NotFoundError(`There is no skill named "${name}".`, { data: { name } });
    return skill;
  }

  /** Every skill without its code, by name. */
  async list(): Promise<SkillSummary[]> {
    const { rows } = await this.store.query<SkillRow>(`select ${SUMMARY_COLUMNS} from skills order by name`);
    return rows.map(toSummary);
  }

  /** The versions a skill's saves replaced, oldest first (the current version is not among them). */
  async versions(name: string): Promise<SkillVersion[]> {
    const { rows } = await this.store.query<{
      name: string;
      version: number;
      description: string;
      code: string;
      saved_at: Date;
    }>('select * from skill_versions where name = $1 order by version', [name]);
    return rows.map((row) => ({
      name: row.name,
      version: row.version,
      description: row.description,
      code: row.code,
      savedAt: row.saved_at,
    }));
  }

  /** Deletes a skill and its earlier versions; false when there was none. */
  async delete(name: string): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      await tx.query('delete from skill_versions where name = $1', [name]);
      const { rowCount } = await tx.query('delete from skills where name = $1', [name]);
      return rowCount > 0;
    });
  }

  /** Counts one run of a skill. */
  async recordUse(name: string): Promise<void> {
    await this.store.query('update skills set uses = uses + 1, last_used_at = now() where name = $1', [name]);
  }
}
