import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, LessThan, type EntityManager } from 'typeorm';
import {
  InvalidInputError,
  describeIssues,
  isUuid,
  type CreateWorkflowRequest,
  type CreatedWorkflowView,
  type PutWorkflowTestsRequest,
  type RotateSigningSecretRequest,
  type RotatedSigningSecretView,
  type UpdateWorkflowRequest,
  type WorkflowTestCase,
  type WorkflowTestReport,
  type WorkflowListView,
  type WorkflowStatus,
  type WorkflowVersionListView,
  type WorkflowVersionView,
  type WorkflowView,
  type Trigger,
  type Action,
} from '@app/contracts';
import { listOf } from '@app/config';
import { OutboundAddressPolicy, endpointUrlOf, intentPhraseIssues } from '@app/domain';
import { APP_CONFIG, ConflictError, DISABLED_ENDPOINTS, NotFoundError, type DisabledEndpoints } from '@app/platform';
import type { ApiConfig } from '../config';
import { DefinitionsPublisher, toDefinition } from './definitions.publisher';
import { withHeaderValuesRedacted, withRedactedHeadersKept } from './header-values';
import { NOT_A_CURSOR, encodeVersionCursor, encodeWorkflowCursor } from './page-cursors';
import { WorkflowEntity, WorkflowVersionEntity } from './workflow.entity';
import { WorkflowTestsService } from './workflow-tests.service';

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function toVersionView(version: WorkflowVersionEntity): WorkflowVersionView {
  return {
    workflowId: version.workflowId,
    version: version.version,
    createdAt: version.createdAt.toISOString(),
    // Versions recorded before header values were redacted in history hold them.
    definition: withHeaderValuesRedacted(version.definition),
  };
}

/** Workflow lifecycle: every change is a new version, stored, then published to the data plane. */
@Injectable()
export class WorkflowsService {
  private readonly outbound: OutboundAddressPolicy;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: DefinitionsPublisher,
    private readonly tests: WorkflowTestsService,
    @Inject(DISABLED_ENDPOINTS) private readonly disabledEndpoints: DisabledEndpoints,
    @Inject(APP_CONFIG) config: ApiConfig,
  ) {
    this.outbound = new OutboundAddressPolicy(listOf(config.OUTBOUND_ALLOWED_CIDRS));
  }

  /**
   * What authors see of a workflow: its definition without the secret, its timestamps, and whether
   * action-dispatcher disabled its endpoint (up to the version it names: a newer one delivers again).
   */
  private toView(workflow: WorkflowEntity): WorkflowView {
    const {
      signingSecret: _secret,
      previousSigningSecret: _previous,
      ...definition
    } = withHeaderValuesRedacted(toDefinition(workflow));
    const disabled = this.disabledEndpoints.get(workflow.id);
    return {
      ...definition,
      ...(disabled && disabled.workflowVersion >= workflow.version
        ? { endpoint: { status: 'disabled' as const, reason: disabled.reason, disabledAt: disabled.disabledAt } }
        : {}),
      createdAt: workflow.createdAt.toISOString(),
    };
  }

  async create(tenantId: string, creation: CreateWorkflowRequest): Promise<CreatedWorkflowView> {
    refuseMeaninglessPhrases(creation.trigger);
    this.refuseUncallableUrls(creation.action);
    const request = { ...creation, action: keepRedactedHeaders(creation.action, undefined) };
    const workflow = await this.dataSource.transaction(async (manager) => {
      const created = manager.create(WorkflowEntity, {
        id: randomUUID(),
        tenantId,
        name: request.name,
        version: 1,
        status: request.status ?? 'enabled',
        trigger: request.trigger,
        action: request.action,
        firing: request.firing ?? { mode: 'once_per_conversation' },
        signingSecret: newSigningSecret(),
        previousSigningSecret: null,
        previousSigningSecretExpiresAt: null,
        deletedAt: null,
        publishedVersion: 0,
      });
      await manager.save(created);
      await this.recordVersion(manager, created);
      return created;
    });
    await this.publisher.publishSoon();
    return { ...this.toView(workflow), signingSecret: workflow.signingSecret };
  }

  /**
   * A page of the tenant's workflows, oldest first (keyset pagination on creation time and id);
   * `after` is the last workflow of the previous page, and 400 when it is none of the tenant's.
   */
  async list(
    tenantId: string,
    page: { status?: WorkflowStatus; limit: number; after?: string },
  ): Promise<WorkflowListView> {
    const query = this.dataSource
      .getRepository(WorkflowEntity)
      .createQueryBuilder('workflow')
      .where('workflow.tenant_id = :tenantId AND workflow.deleted_at IS NULL', { tenantId });
    if (page.status) query.andWhere('workflow.status = :status', { status: page.status });
    if (page.after) {
      // The previous page's last workflow may have been deleted since: its row stays, so it still marks the place.
      const last = await this.dataSource.getRepository(WorkflowEntity).existsBy({ id: page.after, tenantId });
      if (!last) throw invalidCursor();
      query.andWhere(
        '(workflow.created_at, workflow.id) > (SELECT last.created_at, last.id FROM workflows last WHERE last.id = :after)',
        { after: page.after },
      );
    }
    // One row more than the page tells whether there is a next page.
    const rows = await query
      .orderBy('workflow.created_at', 'ASC')
      .addOrderBy('workflow.id', 'ASC')
      .limit(page.limit + 1)
      .getMany();
    const items = rows.slice(0, page.limit);
    return {
      items: items.map((workflow) => this.toView(workflow)),
      ...(rows.length > page.limit ? { nextCursor: encodeWorkflowCursor(items[items.length - 1]!.id) } : {}),
    };
  }

  async get(tenantId: string, id: string): Promise<WorkflowView> {
    return this.toView(await this.find(this.dataSource.manager, tenantId, id));
  }

  /** A new version; with `expectedVersion` (If-Match), only if the workflow is still at that version. */
  async update(
    tenantId: string,
    id: string,
    change: UpdateWorkflowRequest,
    expectedVersion?: number,
  ): Promise<WorkflowView> {
    let request = change;
    if (request.trigger) refuseMeaninglessPhrases(request.trigger);
    if (request.action) this.refuseUncallableUrls(request.action);
    const workflow = await this.dataSource.transaction(async (manager) => {
      const current = await this.find(manager, tenantId, id, true);
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new ConflictError(
          'version_conflict',
          `the workflow is at version ${current.version}, not ${expectedVersion}: another change was made since`,
          { version: current.version },
        );
      }
      if (request.action) request = { ...request, action: keepRedactedHeaders(request.action, current.action) };
      const enabledAfter = (request.status ?? current.status) === 'enabled';
      // A new trigger or firing policy on a live workflow goes live too.
      const goesLive =
        enabledAfter && (current.status !== 'enabled' || request.trigger !== undefined || request.firing !== undefined);
      Object.assign(current, request, { version: current.version + 1 });
      // A workflow goes live only when its saved test cases pass, on the definition it goes live with.
      if (goesLive) {
        const report = await this.tests.run(current, manager);
        if (report.failed > 0) {
          throw new ConflictError(
            'tests_failed',
            `${report.failed} of ${report.cases.length} test case(s) fail`,
            report,
          );
        }
      }
      await manager.save(current);
      await this.recordVersion(manager, current);
      return current;
    });
    await this.publisher.publishSoon();
    return this.toView(workflow);
  }

  /**
   * A new secret signs from now on; the old one keeps signing too (a second `webhook-signature`)
   * for the overlap, so receivers can switch without rejecting a delivery. A new version.
   */
  async rotateSigningSecret(
    tenantId: string,
    id: string,
    request: RotateSigningSecretRequest,
  ): Promise<RotatedSigningSecretView> {
    const workflow = await this.dataSource.transaction(async (manager) => {
      const current = await this.find(manager, tenantId, id, true);
      current.previousSigningSecret = current.signingSecret;
      current.previousSigningSecretExpiresAt = new Date(Date.now() + (request.overlapSeconds ?? 86_400) * 1000);
      current.signingSecret = newSigningSecret();
      current.version += 1;
      await manager.save(current);
      await this.recordVersion(manager, current);
      return current;
    });
    await this.publisher.publishSoon();
    return {
      signingSecret: workflow.signingSecret,
      previousSecretExpiresAt: workflow.previousSigningSecretExpiresAt!.toISOString(),
      version: workflow.version,
    };
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.find(manager, tenantId, id, true);
      current.deletedAt = new Date();
      current.version += 1;
      await manager.save(current);
    });
    await this.publisher.publishSoon();
  }

  /** A page of the workflow's versions, newest first; `before` is the last version of the previous page. */
  async versions(
    tenantId: string,
    id: string,
    page: { limit: number; before?: number },
  ): Promise<WorkflowVersionListView> {
    const workflow = await this.find(this.dataSource.manager, tenantId, id);
    const rows = await this.dataSource.getRepository(WorkflowVersionEntity).find({
      where: { workflowId: workflow.id, ...(page.before !== undefined ? { version: LessThan(page.before) } : {}) },
      order: { version: 'DESC' },
      take: page.limit + 1,
    });
    const items = rows.slice(0, page.limit);
    return {
      items: items.map(toVersionView),
      ...(rows.length > page.limit ? { nextCursor: encodeVersionCursor(items[items.length - 1]!.version) } : {}),
    };
  }

  async version(tenantId: string, id: string, version: number): Promise<WorkflowVersionView> {
    const workflow = await this.find(this.dataSource.manager, tenantId, id);
    const found = await this.dataSource
      .getRepository(WorkflowVersionEntity)
      .findOneBy({ workflowId: workflow.id, version });
    if (!found) throw new NotFoundError('workflow version', `${id}@${version}`);
    return toVersionView(found);
  }

  async replaceTests(
    tenantId: string,
    id: string,
    request: PutWorkflowTestsRequest,
  ): Promise<{ cases: WorkflowTestCase[] }> {
    const workflow = await this.find(this.dataSource.manager, tenantId, id);
    return { cases: await this.tests.replace(workflow.id, request) };
  }

  async testCases(tenantId: string, id: string): Promise<{ cases: WorkflowTestCase[] }> {
    return { cases: await this.tests.cases((await this.find(this.dataSource.manager, tenantId, id)).id) };
  }

  async runTests(tenantId: string, id: string): Promise<WorkflowTestReport> {
    return this.tests.run(await this.find(this.dataSource.manager, tenantId, id));
  }

  /** Another tenant's workflow is reported as missing, never as forbidden. */
  private async find(manager: EntityManager, tenantId: string, id: string, lock = false): Promise<WorkflowEntity> {
    const workflow = isUuid(id)
      ? await manager.findOne(WorkflowEntity, {
          where: { id, tenantId, deletedAt: IsNull() },
          lock: lock ? { mode: 'pessimistic_write' } : undefined,
        })
      : null;
    if (!workflow) throw new NotFoundError('workflow', id);
    return workflow;
  }

  /**
   * 400 `url_refused` for an address action-dispatcher's SSRF guard would refuse whatever DNS says
   * (an IP literal, a `localhost` name): the author hears now, not from the first failed delivery.
   */
  private refuseUncallableUrls(action: Action): void {
    const url = endpointUrlOf(action);
    const reason = url === undefined ? null : this.outbound.urlRefusalReason(url);
    if (reason === null) return;
    const field = action.type === 'escalate' ? '/action/notifyUrl' : '/action/url';
    const issues = [{ field, reason: `is refused by the SSRF guard: ${reason}` }];
    throw new InvalidInputError('url_refused', describeIssues(issues), issues);
  }

  private async recordVersion(manager: EntityManager, workflow: WorkflowEntity): Promise<void> {
    const {
      signingSecret: _secret,
      previousSigningSecret: _previous,
      ...definition
    } = withHeaderValuesRedacted(toDefinition(workflow));
    await manager.insert(WorkflowVersionEntity, { workflowId: workflow.id, version: workflow.version, definition });
  }
}

/** 400 `invalid_phrases` naming each intent phrase that cannot mean anything (intentPhraseIssues). */
function refuseMeaninglessPhrases(trigger: Trigger): void {
  const issues = intentPhraseIssues(trigger);
  if (issues.length > 0) throw new InvalidInputError('invalid_phrases', describeIssues(issues), issues);
}

/** The action with its `[redacted]` header values given their saved ones; 400 `redacted_header` for one with none. */
function keepRedactedHeaders(action: Action, stored: Action | undefined): Action {
  const kept = withRedactedHeadersKept(action, stored);
  if (kept.issues.length > 0) {
    throw new InvalidInputError('redacted_header', describeIssues(kept.issues), kept.issues);
  }
  return kept.action;
}

/** 400 for a `cursor` this API did not issue for the list (or for another tenant). */
function invalidCursor(): InvalidInputError {
  return new InvalidInputError('invalid_query', `cursor ${NOT_A_CURSOR}`, [
    { field: 'query:cursor', reason: NOT_A_CURSOR },
  ]);
}
