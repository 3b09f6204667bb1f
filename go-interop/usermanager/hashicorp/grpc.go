package hashicorp

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/hashicorp/userpb"
)

// grpcPlugin is the plugin of protocol version 2: impl on the plugin process's side, the calls'
// deadline on the host's.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl    usermanager.Manager
	timeout time.Duration
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, server *grpc.Server) error {
	userpb.RegisterUserManagerServer(server, &grpcServer{impl: p.impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &grpcClient{client: userpb.NewUserManagerClient(conn), timeout: p.timeout}, nil
}

// grpcServer is the plugin process's gRPC service.
type grpcServer struct {
	userpb.UnimplementedUserManagerServer
	impl usermanager.Manager
}

func statusOf(err error) *userpb.Status {
	return &userpb.Status{Code: int32(usermanager.StatusOf(err)), Message: message(err)}
}

func (s *grpcServer) GetUser(_ context.Context, request *userpb.GetUserRequest) (*userpb.UserResponse, error) {
	user, err := s.impl.GetUser(fromProtoID(request.UserId))
	return &userpb.UserResponse{Status: statusOf(err), User: toProto(user)}, nil
}

func (s *grpcServer) GetUserByClaim(_ context.Context, request *userpb.GetUserByClaimRequest) (*userpb.UserResponse, error) {
	user, err := s.impl.GetUserByClaim(request.Claim, request.Value)
	return &userpb.UserResponse{Status: statusOf(err), User: toProto(user)}, nil
}

func (s *grpcServer) GetUserGroups(_ context.Context, request *userpb.GetUserRequest) (*userpb.GetUserGroupsResponse, error) {
	groups, err := s.impl.GetUserGroups(fromProtoID(request.UserId))
	return &userpb.GetUserGroupsResponse{Status: statusOf(err), Groups: groups}, nil
}

func (s *grpcServer) FindUsers(_ context.Context, request *userpb.FindUsersRequest) (*userpb.FindUsersResponse, error) {
	users, err := s.impl.FindUsers(request.Query)
	response := &userpb.FindUsersResponse{Status: statusOf(err), Users: make([]*userpb.User, len(users))}
	for i, user := range users {
		response.Users[i] = toProto(user)
	}
	return response, nil
}

// grpcClient is the host's side: every call has a deadline.
type grpcClient struct {
	client  userpb.UserManagerClient
	timeout time.Duration
}

// response is what every answer of userpb carries: a status.
type response interface{ GetStatus() *userpb.Status }

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
	if err := answerError(int(answer.GetStatus().GetCode()), answer.GetStatus().GetMessage()); err != nil {
		return none, err
	}
	return answer, nil
}

func (c *grpcClient) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	answer, err := grpcCall(c, "GetUser", []string{id.OpaqueID, id.Idp}, func(ctx context.Context) (*userpb.UserResponse, error) {
		return c.client.GetUser(ctx, &userpb.GetUserRequest{UserId: toProtoID(id)})
	})
	return fromProto(answer.GetUser()), err
}

func (c *grpcClient) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	answer, err := grpcCall(c, "GetUserByClaim", []string{claim, value}, func(ctx context.Context) (*userpb.UserResponse, error) {
		return c.client.GetUserByClaim(ctx, &userpb.GetUserByClaimRequest{Claim: claim, Value: value})
	})
	return fromProto(answer.GetUser()), err
}

func (c *grpcClient) GetUserGroups(id usermanager.UserID) ([]string, error) {
	answer, err := grpcCall(c, "GetUserGroups", []string{id.OpaqueID, id.Idp}, func(ctx context.Context) (*userpb.GetUserGroupsResponse, error) {
		return c.client.GetUserGroups(ctx, &userpb.GetUserRequest{UserId: toProtoID(id)})
	})
	return answer.GetGroups(), err
}

func (c *grpcClient) FindUsers(query string) ([]*usermanager.User, error) {
	answer, err := grpcCall(c, "FindUsers", []string{query}, func(ctx context.Context) (*userpb.FindUsersResponse, error) {
		return c.client.FindUsers(ctx, &userpb.FindUsersRequest{Query: query})
	})
	if err != nil {
		return nil, err
	}
	users := make([]*usermanager.User, len(answer.Users))
	for i, user := range answer.Users {
		users[i] = fromProto(user)
	}
	return users, nil
}

func toProtoID(id usermanager.UserID) *userpb.UserId {
	return &userpb.UserId{OpaqueId: id.OpaqueID, Idp: id.Idp}
}

func fromProtoID(id *userpb.UserId) usermanager.UserID {
	return usermanager.UserID{OpaqueID: id.GetOpaqueId(), Idp: id.GetIdp()}
}

func toProto(u *usermanager.User) *userpb.User {
	if u == nil {
		return nil
	}
	return &userpb.User{Id: toProtoID(u.ID), Username: u.Username, Mail: u.Mail, DisplayName: u.DisplayName,
		Groups: u.Groups, Uid: u.UID, Gid: u.GID}
}

func fromProto(u *userpb.User) *usermanager.User {
	if u == nil {
		return nil
	}
	return &usermanager.User{ID: fromProtoID(u.Id), Username: u.Username, Mail: u.Mail, DisplayName: u.DisplayName,
		Groups: u.Groups, UID: u.Uid, GID: u.Gid}
}
