// Every migration rule, in the order the docs list them. A new rule is one entry here.
import {
  addRequiredColumn,
  dropColumn,
  dropDatabase,
  dropNotNull,
  dropTable,
  dropView,
  renameColumn,
  renameEnumValue,
  renameSchema,
  renameTable,
  setNotNull,
} from './breaking.js';
import { intPrimaryKey, jsonColumn, timestampWithoutTimeZone } from './hygiene.js';
import {
  checkWithoutNotValid,
  concurrentlyInTransaction,
  detachPartitionWithoutConcurrently,
  domainCheckWithoutNotValid,
  dropIndexWithoutConcurrently,
  foreignKeyWithoutNotValid,
  indexWithoutConcurrently,
  refreshWithoutConcurrently,
  reindexWithoutConcurrently,
  truncateCascade,
  uniqueWithoutIndex,
} from './locks.js';
import { missingLockTimeout, unbatchedWrite } from './operations.js';
import { addColumnRewrite, alterColumnType, storedGeneratedColumn, typeChangeWithCheck, vacuumFullCluster } from './rewrites.js';
import type { Rule } from './rule.js';

export const RULES: readonly Rule[] = [
  dropColumn,
  dropTable,
  dropView,
  dropDatabase,
  renameColumn,
  renameTable,
  renameSchema,
  renameEnumValue,
  setNotNull,
  dropNotNull,
  addRequiredColumn,
  addColumnRewrite,
  storedGeneratedColumn,
  alterColumnType,
  vacuumFullCluster,
  checkWithoutNotValid,
  foreignKeyWithoutNotValid,
  typeChangeWithCheck,
  uniqueWithoutIndex,
  domainCheckWithoutNotValid,
  detachPartitionWithoutConcurrently,
  indexWithoutConcurrently,
  dropIndexWithoutConcurrently,
  reindexWithoutConcurrently,
  refreshWithoutConcurrently,
  concurrentlyInTransaction,
  truncateCascade,
  missingLockTimeout,
  unbatchedWrite,
  jsonColumn,
  timestampWithoutTimeZone,
  intPrimaryKey,
];

/** Findings the linter itself makes, outside any rule. */
export const SYNTAX_ERROR = 'syntax-error';
export const INVALID_IGNORE = 'invalid-ignore';

export const RULE_NAMES = RULES.map((rule) => rule.name) as [string, ...string[]];

export function ruleNamed(name: string): Rule | undefined {
  return RULES.find((rule) => rule.name === name);
}
