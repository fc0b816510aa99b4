import { defineSubject } from '../messaging';
import type {
  AcceptedInvitation,
  AcceptInvitationRequest,
  AddMemberRequest,
  AddMemberResult,
  ApiKeyLookupRequest,
  ApiKeyLookupResult,
  ApiKeyRef,
  ApiKeyView,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreateInvitationRequest,
  CreateOrganizationRequest,
  CreateProjectRequest,
  Empty,
  EraseMeRequest,
  InvitationList,
  InvitationRef,
  InvitationView,
  JwksView,
  ListProjectsRequest,
  LoginRequest,
  LoginResult,
  MemberList,
  MemberRef,
  MemberView,
  MeView,
  OperatorRateLimitsView,
  OrganizationView,
  Page,
  PersonalDataExport,
  ProjectView,
  RecordApiKeyUseRequest,
  RefreshRequest,
  ResendVerificationResult,
  ResolveAccessRequest,
  ResolveAccessResult,
  SetRateLimitsRequest,
  SignupRequest,
  SignupResult,
  TokenPair,
  UpdateMemberRequest,
  UpdateOrganizationRequest,
  UpdateProjectRequest,
  VerifyEmailRequest,
} from './auth.messages';

/**
 * Subjects of the auth service. The acting user or key, and the organization and project the gateway resolved
 * for the route, travel in the request context, never in the payload: a payload cannot widen what the caller
 * may reach.
 */
export const authSubjects = {
  signup: defineSubject<SignupRequest, SignupResult>('auth.cmd.signup'),
  login: defineSubject<LoginRequest, LoginResult>('auth.cmd.login'),
  refresh: defineSubject<RefreshRequest, TokenPair>('auth.cmd.refresh'),
  logout: defineSubject<RefreshRequest, Empty>('auth.cmd.logout'),
  me: defineSubject<Empty, MeView>('auth.query.me'),
  verifyEmail: defineSubject<VerifyEmailRequest, Empty>('auth.cmd.verify-email'),
  resendVerification: defineSubject<Empty, ResendVerificationResult>('auth.cmd.resend-verification'),
  eraseMe: defineSubject<EraseMeRequest, Empty>('auth.cmd.erase-me'),
  exportMe: defineSubject<Empty, PersonalDataExport>('auth.query.export-me'),

  createOrganization: defineSubject<CreateOrganizationRequest, OrganizationView>('auth.cmd.create-organization'),
  listOrganizations: defineSubject<Empty, Page<OrganizationView>>('auth.query.list-organizations'),
  getOrganization: defineSubject<Empty, OrganizationView>('auth.query.get-organization'),
  updateOrganization: defineSubject<UpdateOrganizationRequest, OrganizationView>('auth.cmd.update-organization'),
  /** Operator only (actor type `operator`): the organization is the context's, named by the route. */
  getRateLimits: defineSubject<Empty, OperatorRateLimitsView>('auth.query.operator-rate-limits'),
  setRateLimits: defineSubject<SetRateLimitsRequest, OperatorRateLimitsView>('auth.cmd.operator-set-rate-limits'),

  listMembers: defineSubject<Empty, MemberList>('auth.query.list-members'),
  addMember: defineSubject<AddMemberRequest, AddMemberResult>('auth.cmd.add-member'),
  updateMember: defineSubject<UpdateMemberRequest, MemberView>('auth.cmd.update-member'),
  removeMember: defineSubject<MemberRef, Empty>('auth.cmd.remove-member'),

  listInvitations: defineSubject<Empty, InvitationList>('auth.query.list-invitations'),
  createInvitation: defineSubject<CreateInvitationRequest, InvitationView>('auth.cmd.create-invitation'),
  revokeInvitation: defineSubject<InvitationRef, Empty>('auth.cmd.revoke-invitation'),
  acceptInvitation: defineSubject<AcceptInvitationRequest, AcceptedInvitation>('auth.cmd.accept-invitation'),

  createProject: defineSubject<CreateProjectRequest, ProjectView>('auth.cmd.create-project'),
  listProjects: defineSubject<ListProjectsRequest, Page<ProjectView>>('auth.query.list-projects'),
  getProject: defineSubject<Empty, ProjectView>('auth.query.get-project'),
  updateProject: defineSubject<UpdateProjectRequest, ProjectView>('auth.cmd.update-project'),
  archiveProject: defineSubject<Empty, Empty>('auth.cmd.archive-project'),

  createApiKey: defineSubject<CreateApiKeyRequest, CreatedApiKey>('auth.cmd.create-api-key'),
  listApiKeys: defineSubject<Empty, Page<ApiKeyView>>('auth.query.list-api-keys'),
  revokeApiKey: defineSubject<ApiKeyRef, Empty>('auth.cmd.revoke-api-key'),

  /** The gateway's own questions: public keys, a user's access, API keys by prefix. */
  jwks: defineSubject<Empty, JwksView>('auth.query.jwks'),
  resolveAccess: defineSubject<ResolveAccessRequest, ResolveAccessResult>('auth.query.resolve-access'),
  lookupApiKey: defineSubject<ApiKeyLookupRequest, ApiKeyLookupResult>('auth.query.lookup-api-key'),
  recordApiKeyUse: defineSubject<RecordApiKeyUseRequest, Empty>('auth.cmd.record-api-key-use'),
};
