import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateWorkflowRequestSchema,
  CreatedWorkflowViewSchema,
  PutWorkflowTestsRequestSchema,
  RotateSigningSecretRequestSchema,
  RotatedSigningSecretViewSchema,
  UpdateWorkflowRequestSchema,
  DEFAULT_WORKFLOW_PAGE,
  MAX_WORKFLOW_PAGE,
  WorkflowListViewSchema,
  WorkflowStatusSchema,
  WorkflowsQuerySchema,
  WorkflowVersionsQuerySchema,
  type WorkflowListView,
  type WorkflowStatus,
  WorkflowTestCasesViewSchema,
  WorkflowTestReportSchema,
  WorkflowVersionListViewSchema,
  WorkflowVersionViewSchema,
  WorkflowViewSchema,
  InvalidInputError,
  type WorkflowVersionListView,
  type WorkflowVersionView,
  createWorkflowRequestValidator,
  putWorkflowTestsRequestValidator,
  rotateSigningSecretRequestValidator,
  type RotatedSigningSecretView,
  updateWorkflowRequestValidator,
  type CreatedWorkflowView,
  type WorkflowTestCase,
  type WorkflowTestReport,
  type WorkflowView,
} from '@app/contracts';
import {
  ApiErrors,
  ApiKeyAuth,
  ApiQueryParams,
  QueryParams,
  TenantId,
  openApiSchema,
  parseRequestBody,
} from '@app/platform';
import { MAX_VERSION, NOT_A_CURSOR, decodeVersionCursor, decodeWorkflowCursor } from './page-cursors';
import { WorkflowsService } from './workflows.service';

const WORKFLOW_STATUSES = WorkflowStatusSchema.enum as WorkflowStatus[];

/** An If-Match value naming a workflow version: `3`, or as an entity tag, `"3"` (weak `W/"3"` too); or `*`. */
const IF_MATCH_PATTERN = /^(?:W\/"([1-9][0-9]{0,8})"|"([1-9][0-9]{0,8})"|([1-9][0-9]{0,8})|\*)$/;

@ApiTags('workflows')
@ApiKeyAuth()
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService) {}

  @ApiOperation({ summary: 'Create a workflow (version 1); the answer is the only one with its signing secret.' })
  @ApiBody({ schema: openApiSchema(CreateWorkflowRequestSchema) })
  @ApiCreatedResponse({ schema: openApiSchema(CreatedWorkflowViewSchema) })
  @ApiErrors(400, 413)
  @Post()
  create(@TenantId() tenantId: string, @Body() body: unknown): Promise<CreatedWorkflowView> {
    return this.workflows.create(tenantId, parseRequestBody(body, createWorkflowRequestValidator));
  }

  @ApiOperation({ summary: "The tenant's workflows, oldest first, a page at a time." })
  @ApiQueryParams(WorkflowsQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(WorkflowListViewSchema) })
  @ApiErrors(400)
  @Get()
  list(@TenantId() tenantId: string, @Query() query: Record<string, unknown>): Promise<WorkflowListView> {
    const params = new QueryParams(query);
    const status = params.oneOf('status', WORKFLOW_STATUSES);
    const { limit, from: after } = pageOf(params, decodeWorkflowCursor);
    params.orThrow();
    return this.workflows.list(tenantId, { ...(status ? { status } : {}), limit, ...(after ? { after } : {}) });
  }

  @ApiOperation({ summary: 'One workflow.' })
  @ApiOkResponse({ schema: openApiSchema(WorkflowViewSchema) })
  @ApiErrors(404)
  @Get(':id')
  get(@TenantId() tenantId: string, @Param('id') id: string): Promise<WorkflowView> {
    return this.workflows.get(tenantId, id);
  }

  @ApiOperation({
    summary:
      'Change a workflow: a new version. Enabling it, or a new trigger or firing policy for an enabled one, runs its saved test cases first (409 tests_failed).',
  })
  @ApiHeader({
    name: 'if-match',
    required: false,
    description:
      'The version the change was made on (the workflow\'s `version`, as 3 or "3"): if the workflow has moved on since, the change is refused with 409 version_conflict instead of overwriting the other one.',
    schema: { type: 'string', pattern: IF_MATCH_PATTERN.source },
  })
  @ApiBody({ schema: openApiSchema(UpdateWorkflowRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(WorkflowViewSchema) })
  @ApiErrors(400, 404, 409, 413)
  @Patch(':id')
  update(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch?: string,
  ): Promise<WorkflowView> {
    const request = parseRequestBody(body, updateWorkflowRequestValidator);
    return this.workflows.update(tenantId, id, request, expectedVersionOf(ifMatch));
  }

  @ApiOperation({ summary: 'Every version of the workflow (each change made one), newest first, a page at a time.' })
  @ApiQueryParams(WorkflowVersionsQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(WorkflowVersionListViewSchema) })
  @ApiErrors(400, 404)
  @Get(':id/versions')
  versions(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
  ): Promise<WorkflowVersionListView> {
    const params = new QueryParams(query);
    const { limit, from: before } = pageOf(params, decodeVersionCursor);
    params.orThrow();
    return this.workflows.versions(tenantId, id, { limit, ...(before !== undefined ? { before } : {}) });
  }

  @ApiOperation({ summary: 'One version of the workflow, as executions name it (workflowVersion).' })
  @ApiOkResponse({ schema: openApiSchema(WorkflowVersionViewSchema) })
  @ApiParam({ name: 'version', schema: { type: 'integer', minimum: 1, maximum: MAX_VERSION } })
  @ApiErrors(400, 404)
  @Get(':id/versions/:version')
  version(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Param('version') version: string,
  ): Promise<WorkflowVersionView> {
    // Digits only: Number() would also read " 7", "1e3" and "0x10".
    const number = /^[0-9]{1,10}$/.test(version) ? Number(version) : NaN;
    if (!Number.isInteger(number) || number < 1 || number > MAX_VERSION) {
      const reason = `must be an integer from 1 to ${MAX_VERSION}`;
      throw new InvalidInputError('invalid_path', `version ${reason}`, [{ field: 'path:version', reason }]);
    }
    return this.workflows.version(tenantId, id, number);
  }

  @ApiOperation({ summary: "Replace the workflow's saved test cases." })
  @ApiBody({ schema: openApiSchema(PutWorkflowTestsRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(WorkflowTestCasesViewSchema) })
  @ApiErrors(400, 404, 413)
  /** Replaces the workflow's saved test cases. */
  @Put(':id/tests')
  replaceTests(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<{ cases: WorkflowTestCase[] }> {
    return this.workflows.replaceTests(tenantId, id, parseRequestBody(body, putWorkflowTestsRequestValidator));
  }

  @ApiOperation({ summary: "The workflow's saved test cases." })
  @ApiOkResponse({ schema: openApiSchema(WorkflowTestCasesViewSchema) })
  @ApiErrors(404)
  @Get(':id/tests')
  testCases(@TenantId() tenantId: string, @Param('id') id: string): Promise<{ cases: WorkflowTestCase[] }> {
    return this.workflows.testCases(tenantId, id);
  }

  @ApiOperation({ summary: 'Run the saved test cases on the current version.' })
  @ApiOkResponse({ schema: openApiSchema(WorkflowTestReportSchema) })
  @ApiErrors(404)
  /** Runs the saved test cases now; they also run, and must pass, when the workflow is enabled. */
  @Post(':id/tests/run')
  @HttpCode(200)
  runTests(@TenantId() tenantId: string, @Param('id') id: string): Promise<WorkflowTestReport> {
    return this.workflows.runTests(tenantId, id);
  }

  @ApiOperation({ summary: 'A new signing secret; the old one keeps signing for the overlap. A new version.' })
  @ApiBody({ schema: openApiSchema(RotateSigningSecretRequestSchema) })
  @ApiOkResponse({ schema: openApiSchema(RotatedSigningSecretViewSchema) })
  @ApiErrors(400, 404, 413)
  /** A new signing secret; the old one also signs for the overlap (default 24 h). */
  @Post(':id/signing-secret/rotate')
  @HttpCode(200)
  rotateSigningSecret(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<RotatedSigningSecretView> {
    return this.workflows.rotateSigningSecret(
      tenantId,
      id,
      parseRequestBody(body, rotateSigningSecretRequestValidator),
    );
  }

  @ApiOperation({ summary: 'Delete a workflow (the data plane stops running it within about a second).' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  @Delete(':id')
  @HttpCode(204)
  delete(@TenantId() tenantId: string, @Param('id') id: string): Promise<void> {
    return this.workflows.delete(tenantId, id);
  }
}

/** A list page's `limit` and where it starts (its `cursor`, decoded); a bad one is noted on `params`. */
function pageOf<T>(params: QueryParams, decode: (token: string) => T | null): { limit: number; from?: T } {
  const limit = params.integer('limit', { min: 1, max: MAX_WORKFLOW_PAGE, fallback: DEFAULT_WORKFLOW_PAGE });
  const token = params.text('cursor', { maxLength: 1024 });
  const from = token === undefined ? undefined : (decode(token) ?? params.issue('cursor', NOT_A_CURSOR));
  return { limit, ...(from !== undefined ? { from } : {}) };
}

function expectedVersionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const match = IF_MATCH_PATTERN.exec(ifMatch.trim());
  if (!match) {
    const reason = 'must be the version the change was made on, such as 3 or "3"';
    throw new InvalidInputError('invalid_header', `If-Match ${reason}`, [{ field: 'header:if-match', reason }]);
  }
  // `*` (HTTP: whatever the current version is) names none: the change applies as without the header.
  const version = match[1] ?? match[2] ?? match[3];
  return version === undefined ? undefined : Number(version);
}
