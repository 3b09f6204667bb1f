package hashicorp

import (
	"context"
	"fmt"
	"strconv"
	"time"

	userpb "github.com/cs3org/go-cs3apis/cs3/identity/user/v1beta1"
	rpcpb "github.com/cs3org/go-cs3apis/cs3/rpc/v1beta1"
	typespb "github.com/cs3org/go-cs3apis/cs3/types/v1beta1"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"rustplugin/go-interop/status"
	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/cs3"
)

// grpcPlugin is the plugin of protocol version 2: cs3apis' UserAPI service (go-cs3apis, the
// version reva v1.7.0 requires), impl on the plugin process's side, the calls' deadline on the
// host's.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl    usermanager.Manager
	timeout time.Duration
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, server *grpc.Server) error {
	userpb.RegisterUserAPIServer(server, &grpcServer{impl: p.impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &grpcClient{client: userpb.NewUserAPIClient(conn), timeout: p.timeout}, nil
}

// grpcServer is the plugin process's UserAPI service.
type grpcServer struct {
	impl usermanager.Manager
}

// statusKey is the opaque entry of a failed answer that carries its status of
// include/rp_common.h, which cs3apis' codes cannot all tell apart (an unknown claim and an
// argument that is not UTF-8 are both CODE_INVALID_ARGUMENT).
const statusKey = "rp_status"

// statusOf is err as cs3apis' status (with the nearest code, as reva's services answer) and the
// opaque entry that carries its exact status; nil for a nil error.
func statusOf(err error) (*rpcpb.Status, *typespb.Opaque) {
	code := usermanager.StatusOf(err)
	if code == status.OK {
		return &rpcpb.Status{Code: rpcpb.Code_CODE_OK}, nil
	}
	cs3Code := rpcpb.Code_CODE_INTERNAL
	switch code {
	case status.NotFound:
		cs3Code = rpcpb.Code_CODE_NOT_FOUND
	case status.UnknownClaim, status.InvalidUTF8, status.InvalidArgument:
		cs3Code = rpcpb.Code_CODE_INVALID_ARGUMENT
	}
	entry := &typespb.OpaqueEntry{Decoder: "plain", Value: []byte(strconv.Itoa(code))}
	return &rpcpb.Status{Code: cs3Code, Message: err.Error()}, &typespb.Opaque{Map: map[string]*typespb.OpaqueEntry{statusKey: entry}}
}

func (s *grpcServer) GetUser(_ context.Context, request *userpb.GetUserRequest) (*userpb.GetUserResponse, error) {
	user, err := s.impl.GetUser(cs3.FromUserID(request.UserId))
	st, opaque := statusOf(err)
	return &userpb.GetUserResponse{Status: st, Opaque: opaque, User: cs3.User(user)}, nil
}

func (s *grpcServer) GetUserByClaim(_ context.Context, request *userpb.GetUserByClaimRequest) (*userpb.GetUserByClaimResponse, error) {
	user, err := s.impl.GetUserByClaim(request.Claim, request.Value)
	st, opaque := statusOf(err)
	return &userpb.GetUserByClaimResponse{Status: st, Opaque: opaque, User: cs3.User(user)}, nil
}

func (s *grpcServer) GetUserGroups(_ context.Context, request *userpb.GetUserGroupsRequest) (*userpb.GetUserGroupsResponse, error) {
	groups, err := s.impl.GetUserGroups(cs3.FromUserID(request.UserId))
	st, opaque := statusOf(err)
	return &userpb.GetUserGroupsResponse{Status: st, Opaque: opaque, Groups: groups}, nil
}

func (s *grpcServer) FindUsers(_ context.Context, request *userpb.FindUsersRequest) (*userpb.FindUsersResponse, error) {
	users, err := s.impl.FindUsers(request.Filter)
	st, opaque := statusOf(err)
	response := &userpb.FindUsersResponse{Status: st, Opaque: opaque, Users: make([]*userpb.User, len(users))}
	for i, user := range users {
		response.Users[i] = cs3.User(user)
	}
	return response, nil
}

// grpcClient is the host's side: every call has a deadline.
type grpcClient struct {
	client  userpb.UserAPIClient
	timeout time.Duration
}

// response is what every answer of UserAPI carries: a status, and an opaque map.
type response interface {
	GetStatus() *rpcpb.Status
	GetOpaque() *typespb.Opaque
}

// grpcCall makes one call within the client's deadline: the arguments are checked first, since
// a proto3 string must be UTF-8 (grpc-go refuses to marshal one that is not) and the other paths
// answer such an argument ErrInvalidUTF8; then a call that got no answer is ErrDeadline or
// ErrUnavailable, and an answer's status its error.
func grpcCall[R response](c *grpcClient, method string, arguments []string, call func(context.Context) (R, error)) (R, error) {
	var none R
	if err := usermanager.CheckUTF8(arguments...); err != nil {
		return none, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	answer, err := call(ctx)
	if grpcstatus.Code(err) == codes.DeadlineExceeded {
		return none, fmt.Errorf("%w: gRPC %s: %v", ErrDeadline, method, err)
	} else if err != nil {
		return none, fmt.Errorf("%w: gRPC %s: %v", ErrUnavailable, method, err)
	}
	if err := cs3Error(answer.GetStatus(), answer.GetOpaque()); err != nil {
		return none, err
	}
	return answer, nil
}

// cs3Error is the error of an answer's status: the exact status its opaque map carries, else the
// nearest to its cs3apis code.
func cs3Error(st *rpcpb.Status, opaque *typespb.Opaque) error {
	if st.GetCode() == rpcpb.Code_CODE_OK {
		return nil
	}
	code, err := strconv.Atoi(cs3.Plain(opaque, statusKey))
	if err != nil || code == status.OK {
		switch st.GetCode() {
		case rpcpb.Code_CODE_NOT_FOUND:
			code = status.NotFound
		case rpcpb.Code_CODE_INVALID_ARGUMENT:
			code = status.InvalidArgument
		default:
			code = status.PluginFailed
		}
	}
	return answerError(code, st.GetMessage())
}

func (c *grpcClient) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	answer, err := grpcCall(c, "GetUser", []string{id.OpaqueID, id.Idp}, func(ctx context.Context) (*userpb.GetUserResponse, error) {
		return c.client.GetUser(ctx, &userpb.GetUserRequest{UserId: cs3.UserID(id)})
	})
	return cs3.FromUser(answer.GetUser()), err
}

func (c *grpcClient) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	answer, err := grpcCall(c, "GetUserByClaim", []string{claim, value}, func(ctx context.Context) (*userpb.GetUserByClaimResponse, error) {
		return c.client.GetUserByClaim(ctx, &userpb.GetUserByClaimRequest{Claim: claim, Value: value})
	})
	return cs3.FromUser(answer.GetUser()), err
}

func (c *grpcClient) GetUserGroups(id usermanager.UserID) ([]string, error) {
	answer, err := grpcCall(c, "GetUserGroups", []string{id.OpaqueID, id.Idp}, func(ctx context.Context) (*userpb.GetUserGroupsResponse, error) {
		return c.client.GetUserGroups(ctx, &userpb.GetUserGroupsRequest{UserId: cs3.UserID(id)})
	})
	return answer.GetGroups(), err
}

func (c *grpcClient) FindUsers(query string) ([]*usermanager.User, error) {
	answer, err := grpcCall(c, "FindUsers", []string{query}, func(ctx context.Context) (*userpb.FindUsersResponse, error) {
		return c.client.FindUsers(ctx, &userpb.FindUsersRequest{Filter: query})
	})
	if err != nil {
		return nil, err
	}
	users := make([]*usermanager.User, len(answer.Users))
	for i, user := range answer.Users {
		users[i] = cs3.FromUser(user)
	}
	return users, nil
}
